"""One module per arXiv interface, each yielding Papers: the daily feed (rss), the export API (api) and
OAI-PMH (oai), sharing the safe XML helpers in _xml."""
