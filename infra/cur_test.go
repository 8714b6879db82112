package infra

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

const (
	curBucket   = "bedrock-usage-cur-123456789012-us-east-1"
	curLocation = "s3://" + curBucket + "/cur/bedrock-usage-cur/data/"
)

// curResources are a template's resources that belong to the CUR export, by type.
func curResources(tmpl map[string]any) map[string]int {
	out := map[string]int{}
	out["AWS::BCMDataExports::Export"] = len(resources(tmpl, "AWS::BCMDataExports::Export"))
	for _, b := range resources(tmpl, "AWS::S3::Bucket") {
		if name, _ := props(b)["BucketName"].(string); strings.HasPrefix(name, "bedrock-usage-cur-") {
			out["AWS::S3::Bucket"]++
		}
	}
	for _, tb := range resources(tmpl, "AWS::Glue::Table") {
		if props(tb)["TableInput"].(map[string]any)["Name"] == deployment.CURTableName {
			out["AWS::Glue::Table"]++
		}
	}
	walkStatements(tmpl, func(_ string, st map[string]any) {
		pr, _ := st["Principal"].(map[string]any)
		if slices.Contains(strs(pr["Service"]), DataExportsServicePrincipal) {
			out["grant to Data Exports"]++
		}
		if strings.Contains(jsonString(st), "bedrock-usage-cur-") {
			out["statement naming the CUR bucket"]++
		}
	})
	return out
}

// TestCUROff: without bedrock-usage:cur (cdk.json's default, and the all-features app) no
// stack holds anything of the export, and the reporting role reads none of it. (The default
// app's templates are also the golden ones: TestGoldenTemplates.)
func TestCUROff(t *testing.T) {
	none := map[string]int{"AWS::BCMDataExports::Export": 0}
	for _, name := range []string{"default", "full"} {
		s := app(t, name)
		if s.cfg.CUR {
			t.Fatalf("%s app: CUR is on", name)
		}
		for stack, tmpl := range s.tmpl {
			if diff := cmp.Diff(none, curResources(tmpl)); diff != "" {
				t.Errorf("%s/%s: CUR resources (-want +got):\n%s", name, stack, diff)
			}
			if _, ok := tmpl["Outputs"].(map[string]any)["CURBucketName"]; ok {
				t.Errorf("%s/%s: got a CURBucketName output", name, stack)
			}
		}
		_, stmts := roleNamed(t, s.tmpl[AccountStackName], "BedrockUsage-Reporting")
		for sid := range stmts {
			if strings.Contains(sid, "CUR") {
				t.Errorf("%s: the reporting role has statement %s without the export", name, sid)
			}
		}
	}
}

// TestCURInHomeRegionOnly: with bedrock-usage:cur, the home region's stack holds exactly one
// export, one CUR bucket, its policy's grant to Data Exports and one CUR table; no other
// stack holds any of them, and the account stack only the reporting role's grants.
func TestCURInHomeRegionOnly(t *testing.T) {
	s := app(t, "cur")
	home := RegionalStackName(s.cfg.HomeRegion)
	for stack, tmpl := range s.tmpl {
		want := map[string]int{"AWS::BCMDataExports::Export": 0}
		switch stack {
		case home:
			// the bucket policy's statements (TLS denies and the grant), the access-log
			// bucket's grant to S3 logging for it
			want = map[string]int{"AWS::BCMDataExports::Export": 1, "AWS::S3::Bucket": 1, "AWS::Glue::Table": 1, "grant to Data Exports": 1, "statement naming the CUR bucket": 2}
		case AccountStackName:
			// ReadCUR, ListCUR, CURBucketLocation
			want["statement naming the CUR bucket"] = 3
		}
		if diff := cmp.Diff(want, curResources(tmpl)); diff != "" {
			t.Errorf("%s: CUR resources (-want +got):\n%s", stack, diff)
		}
	}
	// The regional stacks still follow the account stack only, and the account stack
	// follows none (the export's stack cannot be its dependency: see newCUR).
	if deps := *s.stacks.Account.Dependencies(); len(deps) != 0 {
		t.Errorf("account stack: got %d dependencies, want none", len(deps))
	}
}

func TestCURExport(t *testing.T) {
	tmpl := app(t, "cur").tmpl[RegionalStackName("us-east-1")]
	_, export := only(t, tmpl, "AWS::BCMDataExports::Export")
	e := props(export)["Export"].(map[string]any)
	if e["Name"] != deployment.CURExportName {
		t.Errorf("name: got %v, want %s", e["Name"], deployment.CURExportName)
	}
	q := e["DataQuery"].(map[string]any)
	stmt, _ := q["QueryStatement"].(string)
	cols, ok := strings.CutPrefix(stmt, "SELECT ")
	cols, ok2 := strings.CutSuffix(cols, " FROM COST_AND_USAGE_REPORT")
	if !ok || !ok2 {
		t.Fatalf("query: got %q, want SELECT … FROM COST_AND_USAGE_REPORT", stmt)
	}
	var want []string
	for _, c := range deployment.CURColumns {
		want = append(want, c.Name)
	}
	if diff := cmp.Diff(want, strings.Split(cols, ", ")); diff != "" {
		t.Errorf("selected columns (-want +got):\n%s", diff)
	}
	if !slices.Contains(strings.Split(cols, ", "), "line_item_iam_principal") {
		t.Error("the query does not select line_item_iam_principal")
	}
	// Daily, per resource, with IAM principal data (see CURTableConfigurations).
	if got, want := jsonString(q["TableConfigurations"]), `{"COST_AND_USAGE_REPORT":{"INCLUDE_IAM_PRINCIPAL_DATA":"TRUE","INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY":"FALSE","INCLUDE_RESOURCES":"TRUE","INCLUDE_SPLIT_COST_ALLOCATION_DATA":"FALSE","TIME_GRANULARITY":"DAILY"}}`; got != want {
		t.Errorf("table configurations:\ngot  %s\nwant %s", got, want)
	}
	if got, want := jsonString(e["DestinationConfigurations"]), `{"S3Destination":{"S3Bucket":"`+curBucket+`","S3OutputConfigurations":{"Compression":"PARQUET","Format":"PARQUET","OutputType":"CUSTOM","Overwrite":"OVERWRITE_REPORT"},"S3Prefix":"cur","S3Region":"us-east-1"}}`; got != want {
		t.Errorf("destination:\ngot  %s\nwant %s", got, want)
	}
	if got := jsonString(e["RefreshCadence"]); got != `{"Frequency":"SYNCHRONOUS"}` {
		t.Errorf("refresh cadence: got %s", got)
	}
	// Data Exports' delivery path is the contract's data location.
	dest := e["DestinationConfigurations"].(map[string]any)["S3Destination"].(map[string]any)
	if got := "s3://" + dest["S3Bucket"].(string) + "/" + dest["S3Prefix"].(string) + "/" + e["Name"].(string) + "/data/"; got != deployment.CURDataLocation(testAccount, "us-east-1") {
		t.Errorf("delivery path %s is not deployment.CURDataLocation %s", got, deployment.CURDataLocation(testAccount, "us-east-1"))
	}
	// Created once its bucket's policy lets Data Exports write.
	all := tmpl["Resources"].(map[string]any)
	var deps []string
	for _, d := range strs(export["DependsOn"]) {
		r := all[d].(map[string]any)
		deps = append(deps, r["Type"].(string)+" "+jsonString(props(r)["Bucket"]))
	}
	bucketID := ""
	for id, b := range resources(tmpl, "AWS::S3::Bucket") {
		if props(b)["BucketName"] == curBucket {
			bucketID = id
		}
	}
	if diff := cmp.Diff([]string{`AWS::S3::BucketPolicy {"Ref":"` + bucketID + `"}`}, deps); diff != "" {
		t.Errorf("export DependsOn (-want +got):\n%s", diff)
	}
}

// TestCURBucketPolicy: the CUR bucket's policy is TLS-only and lets Data Exports (and the
// Billing reports service) write, for this account's exports only, as AWS documents it.
func TestCURBucketPolicy(t *testing.T) {
	tmpl := app(t, "cur").tmpl[RegionalStackName("us-east-1")]
	var bucketID string
	var bucket map[string]any
	for id, b := range resources(tmpl, "AWS::S3::Bucket") {
		if props(b)["BucketName"] == curBucket {
			bucketID, bucket = id, b
		}
	}
	if bucket == nil {
		t.Fatalf("no bucket %s", curBucket)
	}
	var stmts []any
	for _, bp := range resources(tmpl, "AWS::S3::BucketPolicy") {
		if jsonString(props(bp)["Bucket"]) == `{"Ref":"`+bucketID+`"}` {
			stmts = props(bp)["PolicyDocument"].(map[string]any)["Statement"].([]any)
		}
	}
	var grants []string
	tls := 0
	for _, st := range stmts {
		st := st.(map[string]any)
		switch {
		case st["Effect"] == "Deny" && jsonString(st["Principal"]) == `{"AWS":"*"}`:
			tls++
		default:
			grants = append(grants, jsonString(st))
		}
	}
	if tls != 2 {
		t.Errorf("got %d deny statements (non-TLS, TLS < 1.2), want 2", tls)
	}
	want := []string{`{"Action":["s3:GetBucketPolicy","s3:PutObject"],` +
		`"Condition":{"StringLike":{"aws:SourceAccount":"123456789012","aws:SourceArn":["arn:aws:cur:us-east-1:123456789012:definition/*","arn:aws:bcm-data-exports:us-east-1:123456789012:export/*"]}},` +
		`"Effect":"Allow","Principal":{"Service":["bcm-data-exports.amazonaws.com","billingreports.amazonaws.com"]},` +
		`"Resource":["arn:aws:s3:::` + curBucket + `","arn:aws:s3:::` + curBucket + `/*"],"Sid":"EnableAWSDataExportsToWriteToS3AndCheckPolicy"}`}
	if diff := cmp.Diff(want, grants); diff != "" {
		t.Errorf("grants (-want +got):\n%s", diff)
	}
	// Its access is logged to the region's access-log bucket, like the log buckets'.
	accessID := ""
	for id, b := range resources(tmpl, "AWS::S3::Bucket") {
		if props(b)["BucketName"] == "bedrock-usage-access-logs-123456789012-us-east-1" {
			accessID = id
		}
	}
	if got, want := jsonString(props(bucket)["LoggingConfiguration"]), `{"DestinationBucketName":{"Ref":"`+accessID+`"},"LogFilePrefix":"`+curBucket+`/"}`; got != want {
		t.Errorf("server access logging: got %s, want %s", got, want)
	}
}

func TestCURTable(t *testing.T) {
	tmpl := app(t, "cur").tmpl[RegionalStackName("us-east-1")]
	var table map[string]any
	for _, tb := range resources(tmpl, "AWS::Glue::Table") {
		if props(tb)["TableInput"].(map[string]any)["Name"] == deployment.CURTableName {
			table = tb
		}
	}
	if table == nil {
		t.Fatalf("no table %s", deployment.CURTableName)
	}
	p := props(table)
	if p["DatabaseName"] != DatabaseName || p["CatalogId"] != testAccount {
		t.Errorf("table database/catalog: got %v/%v", p["DatabaseName"], p["CatalogId"])
	}
	dbID, _ := only(t, tmpl, "AWS::Glue::Database")
	if diff := cmp.Diff([]string{dbID}, strs(table["DependsOn"])); diff != "" {
		t.Errorf("DependsOn (-want +got): the table must be created after the database\n%s", diff)
	}
	in := p["TableInput"].(map[string]any)
	if in["TableType"] != "EXTERNAL_TABLE" {
		t.Errorf("table type: got %v", in["TableType"])
	}
	wantParams := map[string]any{
		"projection.enabled":                      "true",
		"projection.billing_period.type":          "date",
		"projection.billing_period.format":        "yyyy-MM",
		"projection.billing_period.range":         "2024-01,NOW",
		"projection.billing_period.interval":      "1",
		"projection.billing_period.interval.unit": "MONTHS",
		"storage.location.template":               curLocation + "BILLING_PERIOD=${billing_period}/",
		"classification":                          "parquet",
		"EXTERNAL":                                "TRUE",
	}
	if diff := cmp.Diff(wantParams, in["Parameters"]); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	var keys []deployment.CURColumn
	for _, k := range in["PartitionKeys"].([]any) {
		k := k.(map[string]any)
		keys = append(keys, deployment.CURColumn{Name: k["Name"].(string), Type: k["Type"].(string)})
	}
	if diff := cmp.Diff([]deployment.CURColumn{{Name: "billing_period", Type: "string"}}, keys); diff != "" {
		t.Errorf("partition keys (-want +got):\n%s", diff)
	}
	sd := in["StorageDescriptor"].(map[string]any)
	var cols []deployment.CURColumn
	for _, c := range sd["Columns"].([]any) {
		c := c.(map[string]any)
		cols = append(cols, deployment.CURColumn{Name: c["Name"].(string), Type: c["Type"].(string)})
	}
	if diff := cmp.Diff(deployment.CURColumns, cols); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	delete(sd, "Columns")
	wantSD := map[string]any{
		"Location":     curLocation,
		"InputFormat":  "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		"OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		"SerdeInfo":    map[string]any{"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
	}
	if diff := cmp.Diff(wantSD, sd); diff != "" {
		t.Errorf("storage descriptor (-want +got):\n%s", diff)
	}
	if sd["Location"] != deployment.CURDataLocation(testAccount, "us-east-1") {
		t.Errorf("location %v is not deployment.CURDataLocation", sd["Location"])
	}
}

// TestReportingRoleReadsCUR: with the export on, the reporting role may read its Parquet
// files, list the bucket under the CUR prefix only, and read the table, and nothing more of
// it: every other statement is the one it has without the export.
func TestReportingRoleReadsCUR(t *testing.T) {
	_, off := roleNamed(t, app(t, "default").tmpl[AccountStackName], "BedrockUsage-Reporting")
	_, on := roleNamed(t, app(t, "cur").tmpl[AccountStackName], "BedrockUsage-Reporting")
	added := map[string]string{}
	for sid, st := range on {
		if o, ok := off[sid]; ok {
			if jsonString(o) != jsonString(st) {
				t.Errorf("statement %s changed with the export:\ngot  %s\nwant %s", sid, jsonString(st), jsonString(o))
			}
			continue
		}
		added[sid] = jsonString(st)
	}
	inAccount := `{"StringEquals":{"s3:ResourceAccount":"123456789012"}}`
	want := map[string]string{
		"ReadCUR":           `{"Action":"s3:GetObject","Condition":` + inAccount + `,"Effect":"Allow","Resource":"arn:aws:s3:::` + curBucket + `/cur/bedrock-usage-cur/data/*","Sid":"ReadCUR"}`,
		"ListCUR":           `{"Action":"s3:ListBucket","Condition":{"StringEquals":{"s3:ResourceAccount":"123456789012"},"StringLike":{"s3:prefix":"cur/*"}},"Effect":"Allow","Resource":"arn:aws:s3:::` + curBucket + `","Sid":"ListCUR"}`,
		"CURBucketLocation": `{"Action":"s3:GetBucketLocation","Condition":` + inAccount + `,"Effect":"Allow","Resource":"arn:aws:s3:::` + curBucket + `","Sid":"CURBucketLocation"}`,
		"CURCatalogReads":   `{"Action":["glue:GetPartitions","glue:GetTable"],"Effect":"Allow","Resource":"arn:aws:glue:us-east-1:123456789012:table/bedrock_analytics/cur_bedrock","Sid":"CURCatalogReads"}`,
	}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("statements added with the export (-want +got):\n%s", diff)
	}
	// The table's catalog and database: already granted for the home region.
	glue := strs(on["GlueCatalogReads"]["Resource"])
	for _, r := range []string{"arn:aws:glue:us-east-1:123456789012:catalog", "arn:aws:glue:us-east-1:123456789012:database/bedrock_analytics"} {
		if !slices.Contains(glue, r) {
			t.Errorf("GlueCatalogReads does not cover %s", r)
		}
	}
}
