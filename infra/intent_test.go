package infra

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/google/go-cmp/cmp"
)

func TestStackCount(t *testing.T) {
	tests := []struct {
		app  string
		want []string
	}{
		{"default", []string{"BedrockUsage-Account", "BedrockUsage-us-east-1", "BedrockUsage-us-west-2", "BedrockUsage-eu-central-1",
			"BedrockUsage-ap-northeast-1", "BedrockUsage-ap-northeast-2", "BedrockUsage-ap-southeast-1"}},
		{"full", []string{"BedrockUsage-Account", "BedrockUsage-us-east-1", "BedrockUsage-eu-central-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			s := app(t, tt.app)
			var got []string
			for name := range s.tmpl {
				got = append(got, name)
			}
			if diff := cmp.Diff(sorted(tt.want), sorted(got)); diff != "" {
				t.Errorf("stacks (-want +got):\n%s", diff)
			}
			if r := *s.stacks.Account.Region(); r != "us-east-1" {
				t.Errorf("account stack region: got %s, want the home region us-east-1", r)
			}
		})
	}
}

// TestRegionalStacksHoldNoIAM: IAM names are global, so no IAM resource of any type lives in
// a stack deployed once per region. The logging configuration's function uses the account
// stack's handler role by ARN (and the delivery role likewise), and each regional stack
// depends on the account stack so it is deployed first.
func TestRegionalStacksHoldNoIAM(t *testing.T) {
	for _, name := range []string{"default", "full", "cur"} {
		s := app(t, name)
		for _, r := range s.cfg.Regions {
			stack := RegionalStackName(r)
			t.Run(name+"/"+stack, func(t *testing.T) {
				tmpl := s.tmpl[stack]
				for id, res := range tmpl["Resources"].(map[string]any) {
					if typ, _ := res.(map[string]any)["Type"].(string); strings.HasPrefix(typ, "AWS::IAM::") {
						t.Errorf("got %s %s, want no IAM resource in a regional stack", typ, id)
					}
				}
				_, fn := only(t, tmpl, "AWS::Lambda::Function")
				if got, want := jsonString(props(fn)["Role"]), `"arn:aws:iam::123456789012:role/BedrockUsage-InvocationLoggingHandler"`; got != want {
					t.Errorf("function role: got %s, want %s", got, want)
				}
				if got, want := props(fn)["FunctionName"], "BedrockUsage-InvocationLogging"; got != want {
					t.Errorf("function name: got %v, want %s (the handler role's aws:SourceArn names it)", got, want)
				}
				var deps []string
				for _, d := range *s.stacks.Regional[r].Dependencies() {
					deps = append(deps, *d.StackName())
				}
				if diff := cmp.Diff([]string{AccountStackName}, deps); diff != "" {
					t.Errorf("stack dependencies (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestAccountStackRoles(t *testing.T) {
	tests := []struct {
		app       string
		wantNames []string
		wantOIDC  int
	}{
		{"default", []string{"BedrockUsage-InvocationLoggingHandler", "BedrockUsage-Reporting", "ChatbotApp-BedrockRole", "CustomerServiceApp-BedrockRole", "DataAnalysisApp-BedrockRole", "DocumentProcessorApp-BedrockRole"}, 0},
		{"full", []string{"BedrockUsage-InvocationLogDelivery", "BedrockUsage-InvocationLoggingHandler", "BedrockUsage-Reporting", "ChatbotApp-BedrockRole", "ReportApp-BedrockRole"}, 1},
		// The CUR export lives in the home region's stack; the account stack stays IAM only.
		{"cur", []string{"BedrockUsage-InvocationLoggingHandler", "BedrockUsage-Reporting", "ChatbotApp-BedrockRole", "CustomerServiceApp-BedrockRole", "DataAnalysisApp-BedrockRole", "DocumentProcessorApp-BedrockRole"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[AccountStackName]
			var names []string
			for _, r := range resources(tmpl, "AWS::IAM::Role") {
				names = append(names, props(r)["RoleName"].(string))
			}
			if diff := cmp.Diff(tt.wantNames, sorted(names)); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if n := len(resources(tmpl, "AWS::IAM::OIDCProvider")); n != tt.wantOIDC {
				t.Errorf("got %d OIDC providers, want %d", n, tt.wantOIDC)
			}
			for _, typ := range []string{"AWS::S3::Bucket", "AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Lambda::Function", "AWS::BCMDataExports::Export"} {
				if n := len(resources(tmpl, typ)); n > 0 {
					t.Errorf("got %d %s in the account stack, want none (regional resources)", n, typ)
				}
			}
		})
	}
}

// roleNamed returns the account stack's role of a name and its single inline policy's
// statements by Sid.
func roleNamed(t *testing.T, tmpl map[string]any, name string) (map[string]any, map[string]map[string]any) {
	t.Helper()
	for _, r := range resources(tmpl, "AWS::IAM::Role") {
		p := props(r)
		if p["RoleName"] != name {
			continue
		}
		stmts := map[string]map[string]any{}
		for _, pol := range p["Policies"].([]any) {
			doc := pol.(map[string]any)["PolicyDocument"].(map[string]any)
			for _, st := range doc["Statement"].([]any) {
				st := st.(map[string]any)
				sid, _ := st["Sid"].(string)
				stmts[sid] = st
			}
		}
		return p, stmts
	}
	t.Fatalf("no role named %s", name)
	return nil, nil
}

func TestAppRolePolicy(t *testing.T) {
	tmpl := app(t, "full").tmpl[AccountStackName]
	p, stmts := roleNamed(t, tmpl, "ChatbotApp-BedrockRole")
	trust := p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
	if got := jsonString(trust[0].(map[string]any)["Principal"]); got != `{"AWS":"arn:aws:iam::123456789012:root"}` || len(trust) != 1 {
		t.Errorf("trust: got %s (%d statements), want the account only", got, len(trust))
	}
	tests := []struct {
		sid           string
		wantActions   []string
		wantResources []string
		wantCondition string
	}{
		{"InvokeConfiguredModels", []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}, []string{
			"arn:aws:bedrock:eu-central-1:123456789012:inference-profile/*.amazon.nova*",
			"arn:aws:bedrock:eu-central-1:123456789012:inference-profile/*.anthropic.claude*",
			"arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova*",
			"arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude*",
			"arn:aws:bedrock:us-east-1:123456789012:inference-profile/*.amazon.nova*",
			"arn:aws:bedrock:us-east-1:123456789012:inference-profile/*.anthropic.claude*",
			"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova*",
			"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude*",
		}, ""},
		{"CrossRegionInference", []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"}, []string{
			"arn:aws:bedrock:*::foundation-model/amazon.nova*",
			"arn:aws:bedrock:*::foundation-model/anthropic.claude*",
		}, `{"StringLike":{"bedrock:InferenceProfileArn":["arn:aws:bedrock:us-east-1:123456789012:inference-profile/*","arn:aws:bedrock:eu-central-1:123456789012:inference-profile/*"]}}`},
		{"ListModels", []string{"bedrock:GetFoundationModel", "bedrock:GetInferenceProfile", "bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"}, []string{"*"}, ""},
	}
	if len(stmts) != len(tests) {
		t.Errorf("got %d statements, want %d", len(stmts), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.sid, func(t *testing.T) {
			st, ok := stmts[tt.sid]
			if !ok {
				t.Fatalf("no statement %s", tt.sid)
			}
			if diff := cmp.Diff(tt.wantActions, sorted(strs(st["Action"]))); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantResources, sorted(strs(st["Resource"]))); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			got := ""
			if c, ok := st["Condition"]; ok {
				got = jsonString(c)
			}
			if got != tt.wantCondition {
				t.Errorf("condition: got %s, want %s", got, tt.wantCondition)
			}
			if st["Effect"] != "Allow" {
				t.Errorf("effect: got %v, want Allow", st["Effect"])
			}
		})
	}
}

func TestReportingRole(t *testing.T) {
	tmpl := app(t, "full").tmpl[AccountStackName]
	p, stmts := roleNamed(t, tmpl, "BedrockUsage-Reporting")
	oidcID, _ := only(t, tmpl, "AWS::IAM::OIDCProvider")

	t.Run("trust", func(t *testing.T) {
		got := jsonString(p["AssumeRolePolicyDocument"].(map[string]any)["Statement"])
		want := `[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"}},` +
			`{"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},` +
			`"StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/bedrock-usage:ref:refs/heads/main","repo:acme/bedrock-usage:environment:reports"]}},` +
			`"Effect":"Allow","Principal":{"Federated":{"Ref":"` + oidcID + `"}}}]`
		if got != want {
			t.Errorf("trust policy:\ngot  %s\nwant %s", got, want)
		}
	})
	t.Run("oidc provider", func(t *testing.T) {
		_, r := only(t, tmpl, "AWS::IAM::OIDCProvider")
		if got, want := jsonString(props(r)), `{"ClientIdList":["sts.amazonaws.com"],"Url":"https://token.actions.githubusercontent.com"}`; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})

	tests := []struct {
		sid           string
		wantActions   []string
		wantResources []string
	}{
		{"AthenaQueries", []string{"athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup", "athena:StartQueryExecution", "athena:StopQueryExecution"},
			[]string{"arn:aws:athena:eu-central-1:123456789012:workgroup/bedrock-usage", "arn:aws:athena:us-east-1:123456789012:workgroup/bedrock-usage"}},
		{"GlueCatalogReads", []string{"glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable"}, []string{
			"arn:aws:glue:eu-central-1:123456789012:catalog", "arn:aws:glue:eu-central-1:123456789012:database/bedrock_analytics",
			"arn:aws:glue:eu-central-1:123456789012:table/bedrock_analytics/bedrock_invocation_logs",
			"arn:aws:glue:us-east-1:123456789012:catalog", "arn:aws:glue:us-east-1:123456789012:database/bedrock_analytics",
			"arn:aws:glue:us-east-1:123456789012:table/bedrock_analytics/bedrock_invocation_logs"}},
		{"ListBuckets", []string{"s3:GetBucketLocation", "s3:ListBucket"}, []string{
			"arn:aws:s3:::acme-existing-bedrock-logs", "arn:aws:s3:::bedrock-analytics-123456789012-eu-central-1",
			"arn:aws:s3:::bedrock-analytics-123456789012-us-east-1", "arn:aws:s3:::bedrock-logs-123456789012-us-east-1"}},
		{"ReadLogs", []string{"s3:GetObject"}, []string{
			"arn:aws:s3:::acme-existing-bedrock-logs/bedrock-logs/*", "arn:aws:s3:::bedrock-logs-123456789012-us-east-1/bedrock-logs/*"}},
		{"NoBodyObjects", []string{"s3:GetObject"}, []string{
			"arn:aws:s3:::acme-existing-bedrock-logs/bedrock-logs/AWSLogs/*/data/*", "arn:aws:s3:::bedrock-logs-123456789012-us-east-1/bedrock-logs/AWSLogs/*/data/*"}},
		{"QueryResults", []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"}, []string{
			"arn:aws:s3:::bedrock-analytics-123456789012-eu-central-1/athena-results/*", "arn:aws:s3:::bedrock-analytics-123456789012-us-east-1/athena-results/*"}},
		{"BedrockReads", []string{"bedrock:GetInferenceProfile", "bedrock:GetModelInvocationLoggingConfiguration", "bedrock:ListInferenceProfiles"}, []string{"*"}},
		{"DoctorLogBucketSettings", []string{"s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock"}, []string{
			"arn:aws:s3:::acme-existing-bedrock-logs", "arn:aws:s3:::bedrock-logs-123456789012-us-east-1"}},
		{"DoctorMetrics", []string{"cloudwatch:GetMetricData"}, []string{"*"}},
		{"RolesVerify", []string{"iam:SimulatePrincipalPolicy"}, []string{
			"arn:aws:iam::123456789012:role/BedrockUsage-Reporting", "arn:aws:iam::123456789012:role/ChatbotApp-BedrockRole", "arn:aws:iam::123456789012:role/ReportApp-BedrockRole"}},
		{"PriceList", []string{"pricing:GetProducts"}, []string{"*"}},
		{"DecryptThroughS3", []string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"arn:aws:kms:eu-central-1:123456789012:key/*", "arn:aws:kms:us-east-1:123456789012:key/*"}},
	}
	if len(stmts) != len(tests) {
		t.Errorf("got %d statements, want %d", len(stmts), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.sid, func(t *testing.T) {
			st, ok := stmts[tt.sid]
			if !ok {
				t.Fatalf("no statement %s", tt.sid)
			}
			if diff := cmp.Diff(tt.wantActions, sorted(strs(st["Action"]))); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantResources, sorted(strs(st["Resource"]))); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
	// The body objects are denied; every S3 grant holds in this account only.
	if got := stmts["NoBodyObjects"]["Effect"]; got != "Deny" {
		t.Errorf("NoBodyObjects: got effect %v, want Deny", got)
	}
	for _, sid := range []string{"ListBuckets", "ReadLogs", "QueryResults"} {
		if got, want := jsonString(stmts[sid]["Condition"]), `{"StringEquals":{"s3:ResourceAccount":"123456789012"}}`; got != want {
			t.Errorf("%s condition: got %s, want %s", sid, got, want)
		}
	}
	if got, want := jsonString(stmts["DecryptThroughS3"]["Condition"]), `{"StringEquals":{"kms:ViaService":["s3.us-east-1.amazonaws.com","s3.eu-central-1.amazonaws.com"]}}`; got != want {
		t.Errorf("KMS condition: got %s, want %s", got, want)
	}
	// Read-only: no write action outside the results prefix, no delete anywhere.
	for sid, st := range stmts {
		for _, a := range strs(st["Action"]) {
			if strings.Contains(a, "Delete") || (a == "s3:PutObject" && sid != "QueryResults") {
				t.Errorf("statement %s grants %s: the reporting role is read-only", sid, a)
			}
		}
	}
}

// TestServiceGrantsCarryConfusedDeputyConditions walks every policy document of every
// template (bucket policies, key policies, trust policies, role policies) and checks each
// statement whose principal is an AWS service: Bedrock grants carry aws:SourceAccount = the
// account and aws:SourceArn = arn:aws:bedrock:{stack region}:{account}:* (in the account
// stack, the delivery role's trust: one such ARN per configured region); S3 log delivery
// grants carry aws:SourceAccount and the source bucket's aws:SourceArn; Lambda's only grant,
// the trust of the logging configuration's handler role in the account stack, carries
// aws:SourceAccount (Lambda sends no aws:SourceArn when it assumes an execution role). Any other
// service principal fails the test until it is reviewed here.
func TestServiceGrantsCarryConfusedDeputyConditions(t *testing.T) {
	for _, tt := range []struct {
		app         string
		wantBedrock int // grants to Bedrock expected across all stacks
	}{
		// default: 6 log bucket policies.
		{"default", 6},
		// full: us-east-1: bucket policy, key policy; eu-central-1 (existing bucket, no
		// policy managed): key policy; account stack: the delivery role's trust.
		{"full", 4},
		// cur: the default app's, and the CUR bucket's grant to Data Exports.
		{"cur", 6},
	} {
		t.Run(tt.app, func(t *testing.T) {
			s := app(t, tt.app)
			bedrock, lambda := 0, 0
			for name, tmpl := range s.tmpl {
				regions := s.cfg.Regions
				if name != AccountStackName {
					regions = []string{strings.TrimPrefix(name, StackPrefix)}
				}
				// sourceArns is the aws:SourceArn value wanted for one ARN per region.
				sourceArns := func(format string) string {
					var arns []string
					for _, r := range regions {
						arns = append(arns, strings.ReplaceAll(format, "{region}", r))
					}
					if len(arns) == 1 {
						return jsonString(arns[0])
					}
					return jsonString(arns)
				}
				walkStatements(tmpl, func(id string, st map[string]any) {
					pr, _ := st["Principal"].(map[string]any)
					for _, svc := range strs(pr["Service"]) {
						cond := jsonString(st["Condition"])
						switch svc {
						case "bedrock.amazonaws.com":
							bedrock++
							want := `{"ArnLike":{"aws:SourceArn":` + sourceArns("arn:aws:bedrock:{region}:123456789012:*") + `},"StringEquals":{"aws:SourceAccount":"123456789012"}}`
							if cond != want {
								t.Errorf("%s/%s: Bedrock grant conditions: got %s, want %s", name, id, cond, want)
							}
						case DataExportsServicePrincipal, BillingReportsServicePrincipal:
							// AWS's documented policy for a data export's bucket: both services,
							// for this account's exports and CUR definitions (us-east-1) only.
							want := `{"StringLike":{"aws:SourceAccount":"123456789012","aws:SourceArn":["arn:aws:cur:us-east-1:123456789012:definition/*","arn:aws:bcm-data-exports:us-east-1:123456789012:export/*"]}}`
							typ := tmpl["Resources"].(map[string]any)[id].(map[string]any)["Type"]
							if cond != want || typ != "AWS::S3::BucketPolicy" || name != RegionalStackName("us-east-1") {
								t.Errorf("%s/%s: grant to %s: got %s in a %v, want conditions %s in the home region's CUR bucket policy", name, id, svc, cond, typ, want)
							}
						case "logging.s3.amazonaws.com":
							c := st["Condition"].(map[string]any)
							if jsonString(c["StringEquals"]) != `{"aws:SourceAccount":"123456789012"}` || c["ArnLike"].(map[string]any)["aws:SourceArn"] == nil {
								t.Errorf("%s/%s: S3 log delivery grant conditions: got %s, want aws:SourceAccount and aws:SourceArn", name, id, cond)
							}
						case "lambda.amazonaws.com":
							lambda++
							typ := tmpl["Resources"].(map[string]any)[id].(map[string]any)["Type"]
							if st["Action"] != "sts:AssumeRole" || typ != "AWS::IAM::Role" || name != AccountStackName {
								t.Errorf("%s/%s: unexpected grant to lambda.amazonaws.com: %s", name, id, jsonString(st))
							}
							want := `{"StringEquals":{"aws:SourceAccount":"123456789012"}}`
							if cond != want {
								t.Errorf("%s/%s: Lambda grant conditions: got %s, want %s", name, id, cond, want)
							}
						case "logs." + regions[0] + ".amazonaws.com":
							// CloudWatch Logs may use a region's key for the stack's own log groups only.
							want := `{"ArnEquals":{"kms:EncryptionContext:aws:logs:arn":["arn:aws:logs:` + regions[0] + `:123456789012:log-group:` + HandlerLogGroupName +
								`","arn:aws:logs:` + regions[0] + `:123456789012:log-group:` + CloudWatchLogGroupName + `"]}}`
							if cond != want || name == AccountStackName {
								t.Errorf("%s/%s: CloudWatch Logs grant conditions: got %s, want %s", name, id, cond, want)
							}
						default:
							t.Errorf("%s/%s: grant to service %s is not reviewed by this test: %s", name, id, svc, jsonString(st))
						}
					}
				})
			}
			if bedrock != tt.wantBedrock {
				t.Errorf("got %d grants to bedrock.amazonaws.com, want %d", bedrock, tt.wantBedrock)
			}
			if lambda != 1 {
				t.Errorf("got %d grants to lambda.amazonaws.com, want 1 (the handler role's trust)", lambda)
			}
		})
	}
}

// walkStatements calls f with every policy statement found anywhere in a template's
// resources.
func walkStatements(tmpl map[string]any, f func(resource string, st map[string]any)) {
	var walk func(id string, v any)
	walk = func(id string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if sts, ok := v["Statement"].([]any); ok {
				for _, st := range sts {
					if st, ok := st.(map[string]any); ok {
						f(id, st)
					}
				}
			}
			for _, e := range v {
				walk(id, e)
			}
		case []any:
			for _, e := range v {
				walk(id, e)
			}
		}
	}
	for id, r := range tmpl["Resources"].(map[string]any) {
		walk(id, r)
	}
}

func TestLogTable(t *testing.T) {
	for _, tt := range []struct {
		app, region, bucket string
	}{
		{"default", "ap-northeast-2", "bedrock-logs-123456789012-ap-northeast-2"},
		{"full", "eu-central-1", "acme-existing-bedrock-logs"},
	} {
		t.Run(tt.app+"/"+tt.region, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[RegionalStackName(tt.region)]
			_, db := only(t, tmpl, "AWS::Glue::Database")
			if got := props(db)["DatabaseInput"].(map[string]any)["Name"]; got != "bedrock_analytics" {
				t.Errorf("database: got %v, want bedrock_analytics", got)
			}
			_, tbl := only(t, tmpl, "AWS::Glue::Table")
			p := props(tbl)
			if p["DatabaseName"] != "bedrock_analytics" || p["CatalogId"] != testAccount {
				t.Errorf("table database/catalog: got %v/%v", p["DatabaseName"], p["CatalogId"])
			}
			in := p["TableInput"].(map[string]any)
			if in["Name"] != "bedrock_invocation_logs" || in["TableType"] != "EXTERNAL_TABLE" {
				t.Errorf("table: got %v %v, want bedrock_invocation_logs EXTERNAL_TABLE", in["Name"], in["TableType"])
			}
			prefix := "bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/" + tt.region + "/"
			wantParams := map[string]any{
				"projection.enabled":          "true",
				"projection.dt.type":          "date",
				"projection.dt.format":        "yyyy/MM/dd/HH",
				"projection.dt.range":         "2024/01/01/00,NOW",
				"projection.dt.interval":      "1",
				"projection.dt.interval.unit": "HOURS",
				"storage.location.template":   "s3://" + tt.bucket + "/" + prefix + "${dt}/",
				"classification":              "json",
				"EXTERNAL":                    "TRUE",
			}
			if diff := cmp.Diff(wantParams, in["Parameters"]); diff != "" {
				t.Errorf("parameters (-want +got):\n%s", diff)
			}
			var keys []invocationlog.Column
			for _, k := range in["PartitionKeys"].([]any) {
				k := k.(map[string]any)
				keys = append(keys, invocationlog.Column{Name: k["Name"].(string), Type: k["Type"].(string)})
			}
			if diff := cmp.Diff([]invocationlog.Column{invocationlog.PartitionColumn}, keys); diff != "" {
				t.Errorf("partition keys (-want +got):\n%s", diff)
			}
			sd := in["StorageDescriptor"].(map[string]any)
			var cols []invocationlog.Column
			for _, c := range sd["Columns"].([]any) {
				c := c.(map[string]any)
				cols = append(cols, invocationlog.Column{Name: c["Name"].(string), Type: c["Type"].(string)})
			}
			if diff := cmp.Diff(invocationlog.Columns, cols); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			wantSD := map[string]any{
				"Location":     "s3://" + tt.bucket + "/" + prefix,
				"InputFormat":  "org.apache.hadoop.mapred.TextInputFormat",
				"OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
				"SerdeInfo": map[string]any{
					"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
					"Parameters":           map[string]any{"ignore.malformed.json": "true", "case.insensitive": "true"},
				},
			}
			delete(sd, "Columns")
			if diff := cmp.Diff(wantSD, sd); diff != "" {
				t.Errorf("storage descriptor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWorkGroup(t *testing.T) {
	for _, tt := range []struct {
		app, region, enc string
	}{
		{"default", "us-west-2", `{"EncryptionOption":"SSE_S3"}`},
		{"full", "us-east-1", `{"EncryptionOption":"SSE_KMS","KmsKey":{"Fn::GetAtt":["<KEY>","Arn"]}}`},
	} {
		t.Run(tt.app, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[RegionalStackName(tt.region)]
			_, wg := only(t, tmpl, "AWS::Athena::WorkGroup")
			p := props(wg)
			enc := tt.enc
			if strings.Contains(enc, "<KEY>") {
				key, _ := only(t, tmpl, "AWS::KMS::Key")
				enc = strings.ReplaceAll(enc, "<KEY>", key)
			}
			if p["Name"] != "bedrock-usage" || p["State"] != "ENABLED" {
				t.Errorf("got %v %v, want bedrock-usage ENABLED", p["Name"], p["State"])
			}
			got := jsonString(p["WorkGroupConfiguration"])
			want := `{"BytesScannedCutoffPerQuery":10737418240,"EnforceWorkGroupConfiguration":true,"EngineVersion":{"SelectedEngineVersion":"Athena engine version 3"},` +
				`"PublishCloudWatchMetricsEnabled":true,"ResultConfiguration":{"EncryptionConfiguration":` + enc +
				`,"ExpectedBucketOwner":"123456789012","OutputLocation":"s3://bedrock-analytics-123456789012-` + tt.region + `/athena-results/"}}`
			if got != want {
				t.Errorf("configuration:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestBuckets(t *testing.T) {
	type want struct {
		kms        bool
		lifecycle  string
		accessLogs bool
	}
	for _, tt := range []struct {
		app, region string
		buckets     map[string]want
	}{
		{"default", "us-east-1", map[string]want{
			"bedrock-logs-123456789012-us-east-1":              {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Id":"log-storage","NoncurrentVersionExpiration":{"NoncurrentDays":90},"Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
			"bedrock-analytics-123456789012-us-east-1":         {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
		}},
		{"full", "us-east-1", map[string]want{
			"bedrock-logs-123456789012-us-east-1":              {true, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":400,"Id":"log-storage","NoncurrentVersionExpiration":{"NoncurrentDays":90},"Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
			"bedrock-analytics-123456789012-us-east-1":         {true, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
		}},
		{"cur", "us-east-1", map[string]want{
			"bedrock-logs-123456789012-us-east-1":              {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Id":"log-storage","NoncurrentVersionExpiration":{"NoncurrentDays":90},"Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
			"bedrock-analytics-123456789012-us-east-1":         {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
			// the CUR bucket: the log buckets' hardening, versioning and lifecycle
			"bedrock-usage-cur-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Id":"cur-storage","NoncurrentVersionExpiration":{"NoncurrentDays":90},"Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
		}},
		{"full", "eu-central-1", map[string]want{
			// the log bucket exists already: not managed here
			"bedrock-analytics-123456789012-eu-central-1":         {true, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-eu-central-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
		}},
	} {
		t.Run(tt.app+"/"+tt.region, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[RegionalStackName(tt.region)]
			bs := resources(tmpl, "AWS::S3::Bucket")
			if len(bs) != len(tt.buckets) {
				t.Errorf("got %d buckets, want %d", len(bs), len(tt.buckets))
			}
			policies := map[string]string{} // bucket logical ID → policy JSON
			for _, bp := range resources(tmpl, "AWS::S3::BucketPolicy") {
				policies[props(bp)["Bucket"].(map[string]any)["Ref"].(string)] = jsonString(props(bp)["PolicyDocument"])
			}
			for id, b := range bs {
				p := props(b)
				name := p["BucketName"].(string)
				w, ok := tt.buckets[name]
				if !ok {
					t.Errorf("unexpected bucket %s", name)
					continue
				}
				if b["DeletionPolicy"] != "Retain" || b["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s: got deletion policy %v/%v, want Retain", name, b["DeletionPolicy"], b["UpdateReplacePolicy"])
				}
				if got := jsonString(p["PublicAccessBlockConfiguration"]); got != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
					t.Errorf("%s: public access block: got %s", name, got)
				}
				if got := jsonString(p["OwnershipControls"]); got != `{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}` {
					t.Errorf("%s: ownership: got %s, want BucketOwnerEnforced", name, got)
				}
				enc := jsonString(p["BucketEncryption"])
				if w.kms != strings.Contains(enc, `"aws:kms"`) || (!w.kms && !strings.Contains(enc, `"AES256"`)) {
					t.Errorf("%s: encryption: got %s, want KMS %v", name, enc, w.kms)
				}
				if got := jsonString(p["LifecycleConfiguration"].(map[string]any)["Rules"]); got != w.lifecycle {
					t.Errorf("%s: lifecycle:\ngot  %s\nwant %s", name, got, w.lifecycle)
				}
				// The full app locks the log bucket it creates (governance mode, 45 days).
				wantLock := "null"
				if tt.app == "full" && strings.HasPrefix(name, "bedrock-logs-") {
					wantLock = `{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Days":45,"Mode":"GOVERNANCE"}}}`
				}
				if got := jsonString(p["ObjectLockConfiguration"]); got != wantLock {
					t.Errorf("%s: object lock: got %s, want %s", name, got, wantLock)
				}
				if got, want := p["ObjectLockEnabled"] == true, wantLock != "null"; got != want {
					t.Errorf("%s: ObjectLockEnabled: got %v, want %v", name, p["ObjectLockEnabled"], want)
				}
				// Log buckets (and the CUR bucket) keep previous versions, so a rewritten or
				// deleted object leaves a trace.
				versioned := strings.HasPrefix(name, "bedrock-logs-") || strings.HasPrefix(name, "bedrock-usage-cur-")
				if got, want := jsonString(p["VersioningConfiguration"]), map[bool]string{true: `{"Status":"Enabled"}`, false: "null"}[versioned]; got != want {
					t.Errorf("%s: versioning: got %s, want %s", name, got, want)
				}
				if _, got := p["LoggingConfiguration"]; got != w.accessLogs {
					t.Errorf("%s: server access logging: got %v, want %v", name, got, w.accessLogs)
				}
				pol := policies[id]
				if !strings.Contains(pol, `{"Bool":{"aws:SecureTransport":"false"}}`) {
					t.Errorf("%s: no TLS-only statement in bucket policy %s", name, pol)
				}
			}
		})
	}
}

// TestLogBucketPolicyForBedrock: Bedrock may only put objects under the account's log
// prefix.
func TestLogBucketPolicyForBedrock(t *testing.T) {
	tmpl := app(t, "default").tmpl[RegionalStackName("us-west-2")]
	var found []string
	walkStatements(tmpl, func(id string, st map[string]any) {
		if jsonString(st["Principal"]) == `{"Service":"bedrock.amazonaws.com"}` {
			found = append(found, jsonString(st))
		}
	})
	want := []string{`{"Action":"s3:PutObject","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:bedrock:us-west-2:123456789012:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}},` +
		`"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Resource":"arn:aws:s3:::bedrock-logs-123456789012-us-west-2/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/*","Sid":"BedrockInvocationLogDelivery"}`}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("Bedrock grants (-want +got):\n%s", diff)
	}
}

func TestInvocationLoggingCustomResource(t *testing.T) {
	const delivery = "arn:aws:iam::123456789012:role/BedrockUsage-InvocationLogDelivery"
	for _, tt := range []struct {
		app, region string
		wantConfig  string
		wantReplace bool
		wantDeps    []string // resource types the configuration waits for
	}{
		{"default", "us-east-1",
			`{"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"bedrock-logs-123456789012-us-east-1","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			false, []string{"AWS::S3::BucketPolicy"}},
		{"full", "us-east-1",
			`{"cloudWatchConfig":{"logGroupName":"/bedrock-usage/model-invocations","roleArn":"` + delivery + `"},"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"bedrock-logs-123456789012-us-east-1","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			true, []string{"AWS::KMS::Alias", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::S3::BucketPolicy"}},
		{"full", "eu-central-1",
			`{"cloudWatchConfig":{"logGroupName":"/bedrock-usage/model-invocations","roleArn":"` + delivery + `"},"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"acme-existing-bedrock-logs","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			true, []string{"AWS::KMS::Alias", "AWS::KMS::Key", "AWS::Logs::LogGroup"}},
	} {
		t.Run(tt.app+"/"+tt.region, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[RegionalStackName(tt.region)]
			crID, cr := only(t, tmpl, "Custom::BedrockInvocationLogging")
			p := props(cr)
			if got := jsonString(p["LoggingConfig"]); got != tt.wantConfig {
				t.Errorf("LoggingConfig:\ngot  %s\nwant %s", got, tt.wantConfig)
			}
			if got := p["ReplaceExistingLogging"]; got != tt.wantReplace {
				t.Errorf("ReplaceExistingLogging: got %v, want %v", got, tt.wantReplace)
			}
			if got := p["ServiceTimeout"]; got != "300" {
				t.Errorf("ServiceTimeout: got %v, want 300 (seconds)", got)
			}
			fnID, fn := only(t, tmpl, "AWS::Lambda::Function")
			// Upgrade safety: the logical IDs of the AwsCustomResource of earlier versions.
			if crID != LegacyResourceLogicalID || fnID != LegacyFunctionLogicalID {
				t.Errorf("logical IDs: got %s and %s, want the earlier versions' %s and %s (a new ID deletes the old resource, and its Delete switched logging off)", crID, fnID, LegacyResourceLogicalID, LegacyFunctionLogicalID)
			}
			if got, want := jsonString(p["ServiceToken"]), `{"Fn::GetAtt":["`+LegacyFunctionLogicalID+`","Arn"]}`; got != want {
				t.Errorf("ServiceToken: got %s, want %s", got, want)
			}
			fp := props(fn)
			for k, want := range map[string]string{"Runtime": `"provided.al2023"`, "Architectures": `["arm64"]`, "Handler": `"bootstrap"`, "Timeout": "120", "FunctionName": `"BedrockUsage-InvocationLogging"`} {
				if got := jsonString(fp[k]); got != want {
					t.Errorf("function %s: got %s, want %s", k, got, want)
				}
			}
			if to := fp["Timeout"].(float64); to >= 300 {
				t.Errorf("function timeout %v s is not below the ServiceTimeout", to)
			}
			// CloudFormation invokes the function asynchronously; Lambda must never retry it (a
			// retried Create would adopt the configuration the first run had put).
			eic := resources(tmpl, "AWS::Lambda::EventInvokeConfig")
			if len(eic) != 1 {
				t.Errorf("got %d EventInvokeConfig resources, want 1", len(eic))
			}
			for _, r := range eic {
				if got := jsonString(props(r)["MaximumRetryAttempts"]); got != "0" {
					t.Errorf("MaximumRetryAttempts: got %s, want 0", got)
				}
			}
			if key, _ := fp["Code"].(map[string]any)["S3Key"].(string); !assetKeyRE.MatchString(`"S3Key": "` + key + `"`) {
				t.Errorf("function code: got S3Key %q, want the asset of the built handler", key)
			}
			all := tmpl["Resources"].(map[string]any)
			var deps []string
			for _, d := range strs(cr["DependsOn"]) {
				deps = append(deps, all[d].(map[string]any)["Type"].(string))
			}
			if diff := cmp.Diff(tt.wantDeps, sorted(deps)); diff != "" {
				t.Errorf("DependsOn types (-want +got):\n%s", diff)
			}
			var handlerLogs []string
			for _, lg := range resources(tmpl, "AWS::Logs::LogGroup") {
				if p := maps.Clone(props(lg)); p["LogGroupName"] == HandlerLogGroupName {
					delete(p, "KmsKeyId") // TestLogGroupsOnKey
					handlerLogs = append(handlerLogs, jsonString(p))
				}
			}
			if diff := cmp.Diff([]string{`{"LogGroupName":"/bedrock-usage/invocation-logging-handler","RetentionInDays":365}`}, handlerLogs); diff != "" {
				t.Errorf("handler log group (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoggingHandlerRole: the account stack's role of every region's logging custom resource
// may set (and read and delete) the logging configuration, write its own log group in the
// configured regions, and pass the delivery role, only to Bedrock, when CloudWatch delivery is
// on; Lambda may assume it only on behalf of this account.
func TestLoggingHandlerRole(t *testing.T) {
	for _, tt := range []struct {
		app      string
		regions  []string
		wantSids []string
	}{
		{"default", DefaultRegions, []string{"SetInvocationLogging", "WriteHandlerLogs"}},
		{"full", []string{"us-east-1", "eu-central-1"}, []string{"PassDeliveryRoleToBedrock", "SetInvocationLogging", "WriteHandlerLogs"}},
	} {
		t.Run(tt.app, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[AccountStackName]
			p, stmts := roleNamed(t, tmpl, LoggingHandlerRoleName)
			var functions, logs []string
			for _, r := range tt.regions {
				functions = append(functions, "arn:aws:lambda:"+r+":123456789012:function:BedrockUsage-InvocationLogging")
				logs = append(logs, "arn:aws:logs:"+r+":123456789012:log-group:/bedrock-usage/invocation-logging-handler:*")
			}
			wantTrust := `[{"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}},"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"}}]`
			if got := jsonString(p["AssumeRolePolicyDocument"].(map[string]any)["Statement"]); got != wantTrust {
				t.Errorf("trust:\ngot  %s\nwant %s", got, wantTrust)
			}
			var sids []string
			for sid := range stmts {
				sids = append(sids, sid)
			}
			if diff := cmp.Diff(tt.wantSids, sorted(sids)); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
			// Only the handler functions' own calls, only in the configured regions.
			fromHandler := `"ArnEquals":{"lambda:SourceFunctionArn":` + jsonString(functions) + `}`
			if got, want := jsonString(stmts["SetInvocationLogging"]), `{"Action":["bedrock:DeleteModelInvocationLoggingConfiguration","bedrock:GetModelInvocationLoggingConfiguration","bedrock:PutModelInvocationLoggingConfiguration"],"Condition":{`+fromHandler+`,"StringEquals":{"aws:RequestedRegion":`+jsonString(tt.regions)+`}},"Effect":"Allow","Resource":"*","Sid":"SetInvocationLogging"}`; got != want {
				t.Errorf("SetInvocationLogging:\ngot  %s\nwant %s", got, want)
			}
			if got, want := jsonString(stmts["WriteHandlerLogs"]["Condition"]), "{"+fromHandler+"}"; got != want {
				t.Errorf("WriteHandlerLogs condition:\ngot  %s\nwant %s", got, want)
			}
			got, want := sorted(strs(stmts["WriteHandlerLogs"]["Resource"])), sorted(logs)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("WriteHandlerLogs resources (-want +got):\n%s", diff)
			}
			// iam:PassRole, if granted at all, only for the delivery role and only to Bedrock.
			var pass []string
			for _, stack := range app(t, tt.app).tmpl {
				walkStatements(stack, func(id string, st map[string]any) {
					if slices.Contains(strs(st["Action"]), "iam:PassRole") {
						pass = append(pass, jsonString(st))
					}
				})
			}
			var wantPass []string
			if slices.Contains(tt.wantSids, "PassDeliveryRoleToBedrock") {
				id := ""
				for rid, r := range resources(tmpl, "AWS::IAM::Role") {
					if props(r)["RoleName"] == LogDeliveryRoleName {
						id = rid
					}
				}
				wantPass = []string{`{"Action":"iam:PassRole","Condition":{` + fromHandler + `,"StringEquals":{"iam:PassedToService":"bedrock.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::GetAtt":["` + id + `","Arn"]},"Sid":"PassDeliveryRoleToBedrock"}`}
			}
			if diff := cmp.Diff(wantPass, pass); diff != "" {
				t.Errorf("iam (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCloudWatchDelivery(t *testing.T) {
	s := app(t, "full")
	for _, region := range s.cfg.Regions {
		t.Run(region, func(t *testing.T) {
			var group map[string]any
			for _, lg := range resources(s.tmpl[RegionalStackName(region)], "AWS::Logs::LogGroup") {
				if props(lg)["LogGroupName"] == CloudWatchLogGroupName {
					group = lg
				}
			}
			if group == nil {
				t.Fatalf("no log group %s", CloudWatchLogGroupName)
			}
			if got := props(group)["RetentionInDays"]; got != 90.0 {
				t.Errorf("retention: got %v, want 90", got)
			}
			if group["DeletionPolicy"] != "Retain" {
				t.Errorf("deletion policy: got %v, want Retain", group["DeletionPolicy"])
			}
		})
	}
	p, _ := roleNamed(t, s.tmpl[AccountStackName], LogDeliveryRoleName)
	wantTrust := `[{"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":["arn:aws:bedrock:us-east-1:123456789012:*","arn:aws:bedrock:eu-central-1:123456789012:*"]},` +
		`"StringEquals":{"aws:SourceAccount":"123456789012"}},"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"}}]`
	if got := jsonString(p["AssumeRolePolicyDocument"].(map[string]any)["Statement"]); got != wantTrust {
		t.Errorf("delivery role trust:\ngot  %s\nwant %s", got, wantTrust)
	}
	want := `[{"PolicyDocument":{"Statement":[{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow",` +
		`"Resource":["arn:aws:logs:eu-central-1:123456789012:log-group:/bedrock-usage/model-invocations:log-stream:aws/bedrock/modelinvocations",` +
		`"arn:aws:logs:us-east-1:123456789012:log-group:/bedrock-usage/model-invocations:log-stream:aws/bedrock/modelinvocations"]}],"Version":"2012-10-17"},"PolicyName":"DeliverInvocationLogs"}]`
	if got := jsonString(p["Policies"]); got != want {
		t.Errorf("delivery role policies:\ngot  %s\nwant %s", got, want)
	}
	if _, ok := p["RoleName"]; !ok {
		t.Error("delivery role has no name: the regional stacks import it by name")
	}
}

// TestLogGroupsOnKey: with KMS on, the handler's and the delivery's log groups are encrypted
// with the stack's key, whose policy lets CloudWatch Logs use it for those two groups only;
// without KMS neither names a key.
func TestLogGroupsOnKey(t *testing.T) {
	for _, name := range []string{"default", "full"} {
		t.Run(name, func(t *testing.T) {
			tmpl := app(t, name).tmpl[RegionalStackName("us-east-1")]
			groups := resources(tmpl, "AWS::Logs::LogGroup")
			if want := map[string]int{"default": 1, "full": 2}[name]; len(groups) != want {
				t.Fatalf("got %d log groups, want %d", len(groups), want)
			}
			var keyID string
			if name == "full" {
				keyID, _ = only(t, tmpl, "AWS::KMS::Key")
			}
			for _, g := range groups {
				got := jsonString(props(g)["KmsKeyId"])
				want := "null"
				if keyID != "" {
					want = `{"Fn::GetAtt":["` + keyID + `","Arn"]}`
				}
				if got != want {
					t.Errorf("%s: KmsKeyId: got %s, want %s", props(g)["LogGroupName"], got, want)
				}
			}
			if keyID == "" {
				return
			}
			_, key := only(t, tmpl, "AWS::KMS::Key")
			var stmt map[string]any
			for _, st := range props(key)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				if st.(map[string]any)["Sid"] == "CloudWatchLogsEncryption" {
					stmt = st.(map[string]any)
				}
			}
			want := `{"Action":["kms:Decrypt*","kms:Describe*","kms:Encrypt*","kms:GenerateDataKey*","kms:ReEncrypt*"],` +
				`"Condition":{"ArnEquals":{"kms:EncryptionContext:aws:logs:arn":["arn:aws:logs:us-east-1:123456789012:log-group:/bedrock-usage/invocation-logging-handler","arn:aws:logs:us-east-1:123456789012:log-group:/bedrock-usage/model-invocations"]}},` +
				`"Effect":"Allow","Principal":{"Service":"logs.us-east-1.amazonaws.com"},"Resource":"*","Sid":"CloudWatchLogsEncryption"}`
			if got := jsonString(stmt); got != want {
				t.Errorf("key policy statement for CloudWatch Logs:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestOutputs(t *testing.T) {
	for _, tt := range []struct {
		app, stack string
		want       map[string]string // output → literal value ("" when an intrinsic)
	}{
		{"default", "BedrockUsage-us-east-1", map[string]string{
			"LogBucketName":       "bedrock-logs-123456789012-us-east-1",
			"LogPrefix":           "bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/",
			"AnalyticsBucketName": "bedrock-analytics-123456789012-us-east-1",
			"AccessLogBucketName": "bedrock-usage-access-logs-123456789012-us-east-1",
			"DatabaseName":        "bedrock_analytics",
			"TableName":           "bedrock_invocation_logs",
			"WorkGroupName":       "bedrock-usage",
			"ResultsLocation":     "s3://bedrock-analytics-123456789012-us-east-1/athena-results/",
		}},
		{"full", "BedrockUsage-eu-central-1", map[string]string{
			"LogBucketName":       "acme-existing-bedrock-logs",
			"LogPrefix":           "bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/eu-central-1/",
			"AnalyticsBucketName": "bedrock-analytics-123456789012-eu-central-1",
			"AccessLogBucketName": "bedrock-usage-access-logs-123456789012-eu-central-1",
			"DatabaseName":        "bedrock_analytics",
			"TableName":           "bedrock_invocation_logs",
			"WorkGroupName":       "bedrock-usage",
			"ResultsLocation":     "s3://bedrock-analytics-123456789012-eu-central-1/athena-results/",
			"KeyArn":              "",
			"LogGroupName":        "/bedrock-usage/model-invocations",
		}},
		{"cur", "BedrockUsage-us-east-1", map[string]string{
			"LogBucketName":       "bedrock-logs-123456789012-us-east-1",
			"LogPrefix":           "bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/",
			"AnalyticsBucketName": "bedrock-analytics-123456789012-us-east-1",
			"AccessLogBucketName": "bedrock-usage-access-logs-123456789012-us-east-1",
			"DatabaseName":        "bedrock_analytics",
			"TableName":           "bedrock_invocation_logs",
			"WorkGroupName":       "bedrock-usage",
			"ResultsLocation":     "s3://bedrock-analytics-123456789012-us-east-1/athena-results/",
			"CURBucketName":       "bedrock-usage-cur-123456789012-us-east-1",
			"CURDataLocation":     "s3://bedrock-usage-cur-123456789012-us-east-1/cur/bedrock-usage-cur/data/",
			"CURTableName":        "cur_bedrock",
			"CURExportArn":        "",
		}},
		{"default", "BedrockUsage-Account", map[string]string{
			"CustomerServiceAppRoleArn": "", "DataAnalysisAppRoleArn": "", "ChatbotAppRoleArn": "", "DocumentProcessorAppRoleArn": "", "ReportingRoleArn": "",
			"LoggingHandlerRoleArn": "",
		}},
		{"full", "BedrockUsage-Account", map[string]string{
			"ChatbotAppRoleArn": "", "ReportAppRoleArn": "", "ReportingRoleArn": "", "GitHubOIDCProviderArn": "",
			"LoggingHandlerRoleArn": "", "LogDeliveryRoleArn": "",
		}},
	} {
		t.Run(tt.app+"/"+tt.stack, func(t *testing.T) {
			outs := app(t, tt.app).tmpl[tt.stack]["Outputs"].(map[string]any)
			if len(outs) != len(tt.want) {
				t.Errorf("got %d outputs, want %d", len(outs), len(tt.want))
			}
			for k, want := range tt.want {
				o, ok := outs[k].(map[string]any)
				if !ok {
					t.Errorf("no output %s", k)
					continue
				}
				if got, _ := o["Value"].(string); got != want {
					t.Errorf("%s: got %v, want %q", k, o["Value"], want)
				}
			}
		})
	}
}
