package infra

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
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
			if !reflect.DeepEqual(sorted(got), sorted(tt.want)) {
				t.Errorf("got stacks %v, want %v", sorted(got), sorted(tt.want))
			}
			if r := *s.stacks.Account.Region(); r != "us-east-1" {
				t.Errorf("account stack region: got %s, want the home region us-east-1", r)
			}
		})
	}
}

// TestRegionalStacksHoldNoNamedIAM: IAM names are global, so a named IAM resource in a stack
// deployed once per region would collide. The regional stacks hold exactly the two roles
// that must live in the region, unnamed: the custom resource function's role (trusted by
// lambda.amazonaws.com) and, with CloudWatch delivery, Bedrock's delivery role. No
// application or reporting role, user, group, managed policy or OIDC provider.
func TestRegionalStacksHoldNoNamedIAM(t *testing.T) {
	forbidden := []string{"AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::ManagedPolicy", "AWS::IAM::OIDCProvider", "AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey", "AWS::IAM::ServiceLinkedRole"}
	tests := []struct {
		app       string
		wantRoles map[string]int // trusted service → roles
	}{
		{"default", map[string]int{"lambda.amazonaws.com": 1}},
		{"full", map[string]int{"lambda.amazonaws.com": 1, "bedrock.amazonaws.com": 1}},
	}
	for _, tt := range tests {
		s := app(t, tt.app)
		for _, r := range s.cfg.Regions {
			name := RegionalStackName(r)
			t.Run(tt.app+"/"+name, func(t *testing.T) {
				tmpl := s.tmpl[name]
				for _, typ := range forbidden {
					if n := len(resources(tmpl, typ)); n > 0 {
						t.Errorf("got %d %s, want none in a regional stack", n, typ)
					}
				}
				got := map[string]int{}
				for id, role := range resources(tmpl, "AWS::IAM::Role") {
					p := props(role)
					if n, ok := p["RoleName"]; ok {
						t.Errorf("role %s is named %v: it would collide with the next region's stack", id, n)
					}
					for _, st := range p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any) {
						pr := st.(map[string]any)["Principal"].(map[string]any)
						if _, ok := pr["AWS"]; ok {
							t.Errorf("role %s is assumable by AWS principals %v: application and reporting roles belong in the account stack", id, pr["AWS"])
						}
						if _, ok := pr["Federated"]; ok {
							t.Errorf("role %s trusts a federated principal: the reporting role belongs in the account stack", id)
						}
						for _, svc := range strs(pr["Service"]) {
							got[svc]++
						}
					}
				}
				if !reflect.DeepEqual(got, tt.wantRoles) {
					t.Errorf("got roles by trusted service %v, want %v", got, tt.wantRoles)
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
		{"default", []string{"BedrockUsage-Reporting", "ChatbotApp-BedrockRole", "CustomerServiceApp-BedrockRole", "DataAnalysisApp-BedrockRole", "DocumentProcessorApp-BedrockRole"}, 0},
		{"full", []string{"BedrockUsage-Reporting", "ChatbotApp-BedrockRole", "ReportApp-BedrockRole"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[AccountStackName]
			var names []string
			for _, r := range resources(tmpl, "AWS::IAM::Role") {
				names = append(names, props(r)["RoleName"].(string))
			}
			if !reflect.DeepEqual(sorted(names), tt.wantNames) {
				t.Errorf("got roles %v, want %v", sorted(names), tt.wantNames)
			}
			if n := len(resources(tmpl, "AWS::IAM::OIDCProvider")); n != tt.wantOIDC {
				t.Errorf("got %d OIDC providers, want %d", n, tt.wantOIDC)
			}
			for _, typ := range []string{"AWS::S3::Bucket", "AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Lambda::Function"} {
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
				stmts[st["Sid"].(string)] = st
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
			if got := sorted(strs(st["Action"])); !reflect.DeepEqual(got, tt.wantActions) {
				t.Errorf("actions: got %v, want %v", got, tt.wantActions)
			}
			if got := sorted(strs(st["Resource"])); !reflect.DeepEqual(got, tt.wantResources) {
				t.Errorf("resources: got %v, want %v", got, tt.wantResources)
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
		{"QueryResults", []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"}, []string{
			"arn:aws:s3:::bedrock-analytics-123456789012-eu-central-1/athena-results/*", "arn:aws:s3:::bedrock-analytics-123456789012-us-east-1/athena-results/*"}},
		{"BedrockReads", []string{"bedrock:GetInferenceProfile", "bedrock:GetModelInvocationLoggingConfiguration", "bedrock:ListInferenceProfiles"}, []string{"*"}},
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
			if got := sorted(strs(st["Action"])); !reflect.DeepEqual(got, tt.wantActions) {
				t.Errorf("actions: got %v, want %v", got, tt.wantActions)
			}
			if got := sorted(strs(st["Resource"])); !reflect.DeepEqual(got, tt.wantResources) {
				t.Errorf("resources: got %v, want %v", got, tt.wantResources)
			}
		})
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
// account and aws:SourceArn = arn:aws:bedrock:{stack region}:{account}:*; S3 log delivery
// grants carry aws:SourceAccount and the source bucket's aws:SourceArn; the only grant
// without them is lambda.amazonaws.com's sts:AssumeRole on the custom resource function's
// own role (an execution role is assumed by the Lambda service for the function of this
// account only). Any other service principal fails the test until it is reviewed here.
func TestServiceGrantsCarryConfusedDeputyConditions(t *testing.T) {
	for _, tt := range []struct {
		app         string
		wantBedrock int // grants to Bedrock expected across all stacks
	}{
		// default: 6 log bucket policies.
		{"default", 6},
		// full: us-east-1: bucket policy, key policy, delivery role trust;
		// eu-central-1 (existing bucket, no policy managed): key policy, delivery role trust.
		{"full", 5},
	} {
		t.Run(tt.app, func(t *testing.T) {
			s := app(t, tt.app)
			bedrock := 0
			for name, tmpl := range s.tmpl {
				region := "us-east-1"
				if name != AccountStackName {
					region = strings.TrimPrefix(name, StackPrefix)
				}
				walkStatements(tmpl, func(id string, st map[string]any) {
					pr, _ := st["Principal"].(map[string]any)
					for _, svc := range strs(pr["Service"]) {
						cond := jsonString(st["Condition"])
						switch svc {
						case "bedrock.amazonaws.com":
							bedrock++
							want := `{"ArnLike":{"aws:SourceArn":"arn:aws:bedrock:` + region + `:123456789012:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}}`
							if cond != want {
								t.Errorf("%s/%s: Bedrock grant conditions: got %s, want %s", name, id, cond, want)
							}
						case "logging.s3.amazonaws.com":
							c := st["Condition"].(map[string]any)
							if jsonString(c["StringEquals"]) != `{"aws:SourceAccount":"123456789012"}` || c["ArnLike"].(map[string]any)["aws:SourceArn"] == nil {
								t.Errorf("%s/%s: S3 log delivery grant conditions: got %s, want aws:SourceAccount and aws:SourceArn", name, id, cond)
							}
						case "lambda.amazonaws.com":
							typ := tmpl["Resources"].(map[string]any)[id].(map[string]any)["Type"]
							if st["Action"] != "sts:AssumeRole" || typ != "AWS::IAM::Role" || name == AccountStackName {
								t.Errorf("%s/%s: unexpected grant to lambda.amazonaws.com: %s", name, id, jsonString(st))
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
			if got := in["Parameters"]; !reflect.DeepEqual(got, wantParams) {
				t.Errorf("parameters:\ngot  %v\nwant %v", got, wantParams)
			}
			var keys []invocationlog.Column
			for _, k := range in["PartitionKeys"].([]any) {
				k := k.(map[string]any)
				keys = append(keys, invocationlog.Column{Name: k["Name"].(string), Type: k["Type"].(string)})
			}
			if want := []invocationlog.Column{invocationlog.PartitionColumn}; !reflect.DeepEqual(keys, want) {
				t.Errorf("partition keys: got %v, want %v", keys, want)
			}
			sd := in["StorageDescriptor"].(map[string]any)
			var cols []invocationlog.Column
			for _, c := range sd["Columns"].([]any) {
				c := c.(map[string]any)
				cols = append(cols, invocationlog.Column{Name: c["Name"].(string), Type: c["Type"].(string)})
			}
			if !reflect.DeepEqual(cols, invocationlog.Columns) {
				t.Errorf("columns:\ngot  %v\nwant %v (invocationlog.Columns)", cols, invocationlog.Columns)
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
			if !reflect.DeepEqual(sd, wantSD) {
				t.Errorf("storage descriptor:\ngot  %s\nwant %s", jsonString(sd), jsonString(wantSD))
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
			"bedrock-logs-123456789012-us-east-1":              {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Id":"log-storage","Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
			"bedrock-analytics-123456789012-us-east-1":         {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
		}},
		{"full", "us-east-1", map[string]want{
			"bedrock-logs-123456789012-us-east-1":              {true, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":400,"Id":"log-storage","Status":"Enabled","Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]}]`, true},
			"bedrock-analytics-123456789012-us-east-1":         {true, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1},"ExpirationInDays":30,"Id":"expire-results","Status":"Enabled"}]`, true},
			"bedrock-usage-access-logs-123456789012-us-east-1": {false, `[{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"ExpirationInDays":365,"Id":"expire-access-logs","Status":"Enabled"}]`, false},
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
	if !reflect.DeepEqual(found, want) {
		t.Errorf("Bedrock grants:\ngot  %v\nwant %v", found, want)
	}
}

// sdkCall decodes one of the custom resource's Create/Update/Delete properties, replacing
// CloudFormation intrinsics (Fn::Join of strings and GetAtt) by a marker.
func sdkCall(t *testing.T, v any) map[string]any {
	t.Helper()
	var text string
	switch v := v.(type) {
	case string:
		text = v
	case map[string]any:
		for _, part := range v["Fn::Join"].([]any)[1].([]any) {
			if s, ok := part.(string); ok {
				text += s
			} else {
				text += "<" + strs(part.(map[string]any)["Fn::GetAtt"])[0] + ">"
			}
		}
	}
	var call map[string]any
	if err := json.Unmarshal([]byte(text), &call); err != nil {
		t.Fatalf("decoding SDK call %s: %v", text, err)
	}
	return call
}

func TestInvocationLoggingCustomResource(t *testing.T) {
	for _, tt := range []struct {
		app, region string
		wantConfig  string
		wantDeps    []string // resource types the configuration waits for
		wantPass    bool
	}{
		{"default", "us-east-1",
			`{"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"bedrock-logs-123456789012-us-east-1","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			[]string{"AWS::IAM::Policy", "AWS::S3::BucketPolicy"}, false},
		{"full", "us-east-1",
			`{"cloudWatchConfig":{"logGroupName":"/bedrock-usage/model-invocations","roleArn":"<DELIVERY>"},"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"bedrock-logs-123456789012-us-east-1","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			[]string{"AWS::IAM::Policy", "AWS::KMS::Alias", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::S3::BucketPolicy"}, true},
		{"full", "eu-central-1",
			`{"cloudWatchConfig":{"logGroupName":"/bedrock-usage/model-invocations","roleArn":"<DELIVERY>"},"embeddingDataDeliveryEnabled":true,"imageDataDeliveryEnabled":true,"s3Config":{"bucketName":"acme-existing-bedrock-logs","keyPrefix":"bedrock-logs"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`,
			[]string{"AWS::IAM::Policy", "AWS::KMS::Alias", "AWS::KMS::Key", "AWS::Logs::LogGroup"}, true},
	} {
		t.Run(tt.app+"/"+tt.region, func(t *testing.T) {
			tmpl := app(t, tt.app).tmpl[RegionalStackName(tt.region)]
			_, cr := only(t, tmpl, "Custom::BedrockInvocationLogging")
			p := props(cr)
			var delivery string
			for id, r := range resources(tmpl, "AWS::IAM::Role") {
				if strings.Contains(jsonString(props(r)["AssumeRolePolicyDocument"]), "bedrock.amazonaws.com") {
					delivery = id
				}
			}
			for _, phase := range []string{"Create", "Update"} {
				call := sdkCall(t, p[phase])
				if call["service"] != "bedrock" || call["action"] != "PutModelInvocationLoggingConfiguration" {
					t.Errorf("%s: got %v %v, want bedrock PutModelInvocationLoggingConfiguration", phase, call["service"], call["action"])
				}
				got := jsonString(call["parameters"].(map[string]any)["loggingConfig"])
				if want := strings.ReplaceAll(tt.wantConfig, "<DELIVERY>", "<"+delivery+">"); got != want {
					t.Errorf("%s loggingConfig:\ngot  %s\nwant %s", phase, got, want)
				}
			}
			if call := sdkCall(t, p["Delete"]); call["action"] != "DeleteModelInvocationLoggingConfiguration" {
				t.Errorf("Delete: got %v, want DeleteModelInvocationLoggingConfiguration", call["action"])
			}
			all := tmpl["Resources"].(map[string]any)
			var deps []string
			for _, d := range strs(cr["DependsOn"]) {
				deps = append(deps, all[d].(map[string]any)["Type"].(string))
			}
			if !reflect.DeepEqual(sorted(deps), tt.wantDeps) {
				t.Errorf("DependsOn types: got %v, want %v", sorted(deps), tt.wantDeps)
			}
			// iam:PassRole, if granted at all, only for the delivery role and only to Bedrock.
			var pass []string
			walkStatements(tmpl, func(id string, st map[string]any) {
				if slices.Contains(strs(st["Action"]), "iam:PassRole") {
					pass = append(pass, jsonString(st))
				}
			})
			var wantPass []string
			if tt.wantPass {
				wantPass = []string{`{"Action":"iam:PassRole","Condition":{"StringEquals":{"iam:PassedToService":"bedrock.amazonaws.com"}},"Effect":"Allow","Resource":{"Fn::GetAtt":["` + delivery + `","Arn"]},"Sid":"PassDeliveryRoleToBedrock"}`}
			}
			if !reflect.DeepEqual(pass, wantPass) {
				t.Errorf("iam:PassRole grants:\ngot  %v\nwant %v", pass, wantPass)
			}
		})
	}
}

func TestCloudWatchDelivery(t *testing.T) {
	tmpl := app(t, "full").tmpl[RegionalStackName("eu-central-1")]
	var group map[string]any
	for _, lg := range resources(tmpl, "AWS::Logs::LogGroup") {
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
	var policies []string
	for _, r := range resources(tmpl, "AWS::IAM::Role") {
		if strings.Contains(jsonString(props(r)["AssumeRolePolicyDocument"]), "bedrock.amazonaws.com") {
			policies = append(policies, jsonString(props(r)["Policies"]))
		}
	}
	want := []string{`[{"PolicyDocument":{"Statement":[{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow",` +
		`"Resource":"arn:aws:logs:eu-central-1:123456789012:log-group:/bedrock-usage/model-invocations:log-stream:aws/bedrock/modelinvocations"}],"Version":"2012-10-17"},"PolicyName":"DeliverInvocationLogs"}]`}
	if !reflect.DeepEqual(policies, want) {
		t.Errorf("delivery role policies:\ngot  %v\nwant %v", policies, want)
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
		{"default", "BedrockUsage-Account", map[string]string{
			"CustomerServiceAppRoleArn": "", "DataAnalysisAppRoleArn": "", "ChatbotAppRoleArn": "", "DocumentProcessorAppRoleArn": "", "ReportingRoleArn": "",
		}},
		{"full", "BedrockUsage-Account", map[string]string{
			"ChatbotAppRoleArn": "", "ReportAppRoleArn": "", "ReportingRoleArn": "", "GitHubOIDCProviderArn": "",
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
