"""The real-ledger corpus of issue 14: workbooks laid out like published station ledgers, a
truth file per workbook, and the field-by-field comparison (``python -m tests.excel.corpus.report``)."""
