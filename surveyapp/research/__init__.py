"""Research repository (issue #13): interviews, usability studies and field notes as
evidence beside the survey data. So far: reading the material (``importers``) and the
usability statistics (``usability``); studies, highlights and the synthesis board follow."""
