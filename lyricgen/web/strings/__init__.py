"""Every string the page shows, one module per language: CODE (a BCP 47 tag), NAME (as its readers
write it, for the switch), ALIASES (browser tags that mean it too) and STRINGS {key: text}.

Every language has the keys of zh.py (the default); a {field} in one language's string is in every
language's (tests/test_i18n.py checks both). A third language is one more file: copy en.py, say,
to zh_hant.py, set CODE = "zh-Hant", ALIASES = ("zh-TW", "zh-HK", "zh-MO"), and translate the strings.
"""
