package invocationlog

// Column is one column of the Glue table over the logs: its name and Hive type.
type Column struct {
	Name string
	Type string
}

// Columns is the Glue table's column list for the OpenX JSON SerDe. Names are the lower-cased
// JSON field names (the SerDe matches case-insensitively). The response body is read as a
// string (the SerDe renders an object or array as its JSON text) for the cache-TTL split of
// its cache writes; the request body is left out: reports never read it, and it can be
// megabytes.
var Columns = []Column{
	{"schematype", "string"},
	{"schemaversion", "string"},
	{"timestamp", "string"},
	{"accountid", "string"},
	{"identity", "struct<arn:string>"},
	{"region", "string"},
	{"requestid", "string"},
	{"operation", "string"},
	{"modelid", "string"},
	{"input", "struct<inputcontenttype:string,inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint,inputbodys3path:string>"},
	{"output", "struct<outputcontenttype:string,outputtokencount:bigint,outputbodys3path:string,outputbodyjson:string>"},
	{"errorcode", "string"},
	{"inferenceregion", "string"},
	{"requestmetadata", "map<string,string>"},
}

// PartitionColumn is the table's one partition key: the delivery hour folder, projected by
// Athena partition projection (never added by hand).
var PartitionColumn = Column{"dt", "string"}

// PartitionFormat is the projection format of PartitionColumn (Java date-format syntax); it is
// the hour part of a log key, see HourFolderLayout.
const PartitionFormat = "yyyy/MM/dd/HH"

// HourFolderLayout is the Go time layout of the hour folders under a region's log prefix.
const HourFolderLayout = "2006/01/02/15"
