"""Call records from the usage formats of DESIGN §5, told apart by their content.

- the Teams admin center PSTN usage export: the Calling Plans CSV (the 25 documented columns, or
  the older 20 with `AAD ObjectId`), the Direct Routing CSV (CorrelationId, …, Final SIP code,
  SBC FQDN, …), or Microsoft's zip that holds them side by side with `parameters.json`: every
  member is read by its header, whatever its name;
- Microsoft Graph `getPstnCalls` and `getDirectRoutingCalls`: JSON, one page (`{"value": [...]}`)
  or a list of pages; a page that ends with `@odata.nextLink` is one page of more
  (`UsageFile.more_pages`), which a file cannot follow;
- a plain CDR CSV from a PBX or SBC (`call_id,user,start,duration_seconds,destination_number,
  direction`), which carries no price.

Direct Routing calls run over the customer's own carrier: they come out with charge 0 and
`route == DIRECT_ROUTING`. A record that carries Microsoft's charge keeps it even when its number
cannot be read: the row is flagged (`ParsedCall.flag`), not rejected. The bytes are read through
`bot.usage.limits` (encodings, line length, zip members, JSON size).

`UsageFile.calls()` streams one `ParsedCall` or `RowError` per row. `bot.usage.frames.read_frames`
streams the same rows as columnar batches (polars), which is how the importer takes in millions of
CDRs: a CDR batch is validated with vectorised expressions, and any batch the fast reader cannot
take exactly (quotes, blank or ragged lines, numbers or times that need phonenumbers or
`datetime`) goes through the row parser instead, so both paths give the same rows and the same
errors.

Line numbers: CSV errors name the physical line of the file (the header is line 1); JSON errors
name the record's position among all the file's records, counted from 1 ("record 7").

Modules: `usage_file` (open a file, `UsageFile`), `detect` (the format from the first bytes),
`archive` (the zip), `teams_csv` (Calling Plans, and the export's CSV dispatch),
`direct_routing`, `graph_json`, `cdr_csv`, `fields` (cell parsers) and `records` (`ParsedCall`,
`RowError`).
"""
