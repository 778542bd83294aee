"""Names vulture cannot see used (read by ``scripts/deadcode.py``; never imported or run).

Each line names one attribute or function that is used from outside Python's view, with the reason.
Attributes the Jinja templates read are not listed here: ``deadcode.py`` collects them from templates/.
"""

# Framework hooks: click calls these overrides, Python's signal module passes ``frame``.
_.get_command  # reportbot/cli/__init__.py LazyGroup (click.Group)
_.format_commands  # reportbot/cli/__init__.py LazyGroup (click.Group)
_.convert  # reportbot/cli/common.py DateType, MonthType (click.ParamType)
_.frame  # reportbot/cli/ops.py signal handler signature
_.row_factory  # reportbot/store/db.py: sqlite3.Connection reads it
_.exc_text  # reportbot/notify/redaction.py: logging.Formatter reads the redacted traceback from the record

# Options and tables of fontTools objects, read by fontTools when it subsets and saves the font.
_.layout_features
_.hinting
_.desubroutinize
_.name_IDs
_.notdef_outline
_.glyphOrder
_.glyphDataFormat
_.formatType
_.extraNames
_.mapping
_.sfntVersion
_.tableVersion
_.maxZones
_.string

# Columns the store keeps from the data (store/records.py and the ipos table write every field of a
# record) that no report reads yet.
_.name_aliases
_.first_day_avg_price
_.day2_close
_.day3_close
_.csrc_industry_code
_.industry_sub_custom
_.financing_balance  # MarginBalance
_.total_cap  # StockQuote
_.float_cap  # StockQuote
_.total_shares  # ListedCompany
_.float_shares  # ListedCompany
_.region  # ListedCompany

# The plain write path (no provenance, no conflict log) that tests and bench/ build stores with; the
# fetch and bundled-load paths go through store.merge.
_.upsert_ipos

# A value of a closed vocabulary that the code spells only inside SQL (store/deliveries.py: status = 'sending').
_.SENDING

# render/pdf.py, in the forked compact layout: tempfile reads its module attribute ``tempdir`` (WeasyPrint's
# temporary font copy goes to the directory the parent removes), and the parent's font configuration is
# kept referenced (``inherited``) so that its finaliser never runs in the fork.
_.tempdir
_.inherited
