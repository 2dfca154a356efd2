// HosoKit is the API the front ends (the `hoso` CLI, the web server, the bench tools) program against. The domain
// modules whose types appear in that API come with it, so a front end imports HosoKit alone; the index and the
// primitives stay behind it.
@_exported import HosoCopies
@_exported import HosoCore
@_exported import HosoGrades
@_exported import HosoLog
@_exported import HosoRecords
@_exported import HosoSigning
@_exported import HosoStore
@_exported import HosoSync
@_exported import HosoTransport
