package infra

import (
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// GitHubOIDCURL is GitHub Actions' OIDC issuer; GitHubAudience the audience its tokens carry
// for AWS.
const (
	GitHubOIDCURL  = "https://token.actions.githubusercontent.com"
	GitHubAudience = "sts.amazonaws.com"
	githubIssuer   = "token.actions.githubusercontent.com"
)

// trustedBy is the principal of a role's trust policy: the given ARNs, or the account (every
// IAM principal of the account whose own policy allows sts:AssumeRole on the role).
func trustedBy(account string, arns []string) awsiam.IPrincipal {
	if len(arns) == 0 {
		return awsiam.NewAccountPrincipal(jsii.String(account))
	}
	ps := make([]awsiam.IPrincipal, len(arns))
	for i, a := range arns {
		ps[i] = awsiam.NewArnPrincipal(jsii.String(a))
	}
	return awsiam.NewCompositePrincipal(ps...)
}

// AppRoleProps configures NewAppRole.
type AppRoleProps struct {
	App        string
	Account    string
	Regions    []string
	Families   []string
	Principals []string // empty: the account
}

// InvokeResources are the resources an application role may invoke: per model family, the
// foundation models and the system inference profiles in the configured regions.
func InvokeResources(account string, regions, families []string) []string {
	var rs []string
	for _, r := range regions {
		for _, f := range families {
			rs = append(rs,
				"arn:aws:bedrock:"+r+"::foundation-model/"+f+"*",
				"arn:aws:bedrock:"+r+":"+account+":inference-profile/*."+f+"*")
		}
	}
	return rs
}

// NewAppRole creates {App}-BedrockRole. It may invoke (InvokeModel and
// InvokeModelWithResponseStream, which also authorise Converse and ConverseStream) only the
// configured model families, and only from the configured regions, where invocation logging
// is on: a call made elsewhere would be spend nobody sees. Cross-region inference reaches
// foundation models in other regions; those are allowed only through an inference profile of
// a configured region (bedrock:InferenceProfileArn).
func NewAppRole(scope constructs.Construct, id string, props AppRoleProps) awsiam.Role {
	var profiles, crossRegion []string
	for _, r := range props.Regions {
		profiles = append(profiles, "arn:aws:bedrock:"+r+":"+props.Account+":inference-profile/*")
	}
	for _, f := range props.Families {
		crossRegion = append(crossRegion, "arn:aws:bedrock:*::foundation-model/"+f+"*")
	}
	doc := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeConfiguredModels"),
			Actions:   jsii.Strings("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
			Resources: jsii.Strings(InvokeResources(props.Account, props.Regions, props.Families)...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CrossRegionInference"),
			Actions:    jsii.Strings("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
			Resources:  jsii.Strings(crossRegion...),
			Conditions: &map[string]any{"StringLike": map[string]any{"bedrock:InferenceProfileArn": profiles}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListModels"),
			Actions:   jsii.Strings("bedrock:ListFoundationModels", "bedrock:GetFoundationModel", "bedrock:ListInferenceProfiles", "bedrock:GetInferenceProfile"),
			Resources: jsii.Strings("*"),
		}),
	}})
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:       jsii.String(AppRoleName(props.App)),
		Description:    jsii.String("bedrock-usage: " + props.App + " invokes the allowed Bedrock models; its session name is the user in usage reports"),
		AssumedBy:      trustedBy(props.Account, props.Principals),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"InvokeBedrock": doc},
	})
	suppress(role, "AwsSolutions-IAM5", "A model family is a model-ID prefix (e.g. anthropic.claude): its foundation models and system inference profiles are matched by prefix, and model versions are added by AWS over time. Invocation is limited to the configured families and regions; foundation models in any region only through a configured region's inference profile (cross-region inference).",
		modelWildcards(props.Account, props.Regions, props.Families)...)
	suppress(role, "AwsSolutions-IAM5", "ListFoundationModels and ListInferenceProfiles support no resource-level permissions; Get* on models is read-only catalogue metadata.",
		"Resource::*")
	return role
}

// modelWildcards are the cdk-nag findings (as /regex/) of the application role's model
// resources: only the configured families, in the configured regions (or any region for
// foundation models reached through cross-region inference).
func modelWildcards(account string, regions, families []string) []string {
	fams := make([]string, len(families))
	for i, f := range families {
		fams[i] = regexp.QuoteMeta(f)
	}
	rs, fs := strings.Join(regions, "|"), strings.Join(fams, "|")
	return []string{
		`/^Resource::arn:aws:bedrock:(` + rs + `|\*)::foundation-model\/(` + fs + `)\*$/`,
		`/^Resource::arn:aws:bedrock:(` + rs + `):` + account + `:inference-profile\/\*\.(` + fs + `)\*$/`,
	}
}

// ReportingRoleProps configures NewReportingRole.
type ReportingRoleProps struct {
	RoleName   string
	Account    string
	Regions    []string
	LogBuckets map[string]string // region → log bucket name
	LogPrefix  string
	// ResultBuckets maps region → analytics bucket name.
	ResultBuckets map[string]string
	KMS           bool
	Principals    []string // empty: the account
	GitHub        GitHub
	// OIDCProvider is the GitHub provider's ARN when GitHub.Repo is set.
	OIDCProvider *string
	// Apps are the applications whose roles `bedrock-usage roles verify` simulates.
	Apps []string
	// CUR is the CUR 2.0 export the role reads (bedrock-usage:cur); nil when it is off.
	CUR *ReportingCUR
}

// ReportingCUR is what the reporting role reads of the CUR 2.0 export: its bucket and the
// region of its Glue table (the home region).
type ReportingCUR struct {
	Region, Bucket string
}

// GitHubSubjects are the token subjects the reporting role trusts: the branch's pushes
// and/or the environment's jobs of one repository.
func GitHubSubjects(g GitHub) []string {
	var subs []string
	if g.Branch != "" {
		subs = append(subs, "repo:"+g.Repo+":ref:refs/heads/"+g.Branch)
	}
	if g.Environment != "" {
		subs = append(subs, "repo:"+g.Repo+":environment:"+g.Environment)
	}
	return subs
}

// NewReportingRole creates the read-only reporting role: Athena queries in the workgroup of
// every configured region, Glue catalogue reads of the log table, S3 reads of the logs and
// read/write of the results prefix, the Bedrock logging-configuration and inference-profile
// reads the CLI does, and pricing:GetProducts; with CUR, reads of the CUR 2.0 export and its
// table (curReads). Resources in other regions are named by ARN (CloudFormation cannot
// reference across regions).
func NewReportingRole(scope constructs.Construct, id string, props ReportingRoleProps) awsiam.Role {
	var principal awsiam.IPrincipal = trustedBy(props.Account, props.Principals)
	if props.GitHub.Repo != "" {
		gh := awsiam.NewWebIdentityPrincipal(props.OIDCProvider, &map[string]any{
			"StringEquals": map[string]any{githubIssuer + ":aud": GitHubAudience},
			"StringLike":   map[string]any{githubIssuer + ":sub": GitHubSubjects(props.GitHub)},
		})
		principal = awsiam.NewCompositePrincipal(principal, gh)
	}
	regions := slices.Clone(props.Regions)
	var (
		workgroups, catalog, logObjects, bodyObjects, logBuckets, results, resultBuckets, keys []string
	)
	// s3:ResourceAccount: the S3 grants hold for buckets of this account only, whatever
	// their names (a bucket name is global; a deleted one can be re-created elsewhere).
	inAccount := &map[string]any{"StringEquals": map[string]any{"s3:ResourceAccount": props.Account}}
	for _, r := range regions {
		a := props.Account
		workgroups = append(workgroups, "arn:aws:athena:"+r+":"+a+":workgroup/"+WorkGroupName)
		catalog = append(catalog,
			"arn:aws:glue:"+r+":"+a+":catalog",
			"arn:aws:glue:"+r+":"+a+":database/"+DatabaseName,
			"arn:aws:glue:"+r+":"+a+":table/"+DatabaseName+"/"+TableName)
		lb := props.LogBuckets[r]
		logBuckets = append(logBuckets, bucketArn(lb))
		logObjects = append(logObjects, bucketArn(lb)+"/"+props.LogPrefix+"*")
		bodyObjects = append(bodyObjects, bucketArn(lb)+"/"+props.LogPrefix+"AWSLogs/*/data/*")
		rb := props.ResultBuckets[r]
		resultBuckets = append(resultBuckets, bucketArn(rb))
		results = append(results, bucketArn(rb)+"/"+ResultsPrefix+"*")
		keys = append(keys, "arn:aws:kms:"+r+":"+a+":key/*")
	}
	simulated := []string{"arn:aws:iam::" + props.Account + ":role/" + props.RoleName}
	for _, a := range props.Apps {
		simulated = append(simulated, "arn:aws:iam::"+props.Account+":role/"+AppRoleName(a))
	}
	slices.Sort(simulated)
	stmts := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AthenaQueries"),
			Actions:   jsii.Strings("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"),
			Resources: jsii.Strings(workgroups...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("GlueCatalogReads"),
			Actions:   jsii.Strings("glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"),
			Resources: jsii.Strings(catalog...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ListBuckets"),
			Actions:    jsii.Strings("s3:ListBucket", "s3:GetBucketLocation"),
			Resources:  jsii.Strings(append(slices.Clone(logBuckets), resultBuckets...)...),
			Conditions: inAccount,
		}),
		// bedrock-usage doctor: whether Bedrock may write to the log buckets and nobody else
		// read them.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DoctorLogBucketSettings"),
			Actions:    jsii.Strings("s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock"),
			Resources:  jsii.Strings(logBuckets...),
			Conditions: inAccount,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ReadLogs"),
			Actions:    jsii.Strings("s3:GetObject"),
			Resources:  jsii.Strings(logObjects...),
			Conditions: inAccount,
		}),
		// The data/ objects hold whole request and response bodies (over about 100 KB): a
		// report never needs them. (The log lines themselves carry prompts and responses
		// when text delivery is on; ReadLogs reads those.)
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("NoBodyObjects"),
			Effect:    awsiam.Effect_DENY,
			Actions:   jsii.Strings("s3:GetObject"),
			Resources: jsii.Strings(bodyObjects...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("QueryResults"),
			Actions:    jsii.Strings("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"),
			Resources:  jsii.Strings(results...),
			Conditions: inAccount,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("BedrockReads"),
			Actions:   jsii.Strings("bedrock:GetModelInvocationLoggingConfiguration", "bedrock:GetInferenceProfile", "bedrock:ListInferenceProfiles"),
			Resources: jsii.Strings("*"),
		}),
		// bedrock-usage roles verify: what the application roles, and this role, may do.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("RolesVerify"),
			Actions:   jsii.Strings("iam:SimulatePrincipalPolicy"),
			Resources: jsii.Strings(simulated...),
		}),
		// bedrock-usage doctor: AWS/Bedrock and AWS/BedrockMantle traffic against the logs.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DoctorMetrics"),
			Actions:   jsii.Strings("cloudwatch:GetMetricData"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("PriceList"),
			Actions:   jsii.Strings("pricing:GetProducts"),
			Resources: jsii.Strings("*"),
		}),
	}
	wild := []string{"Resource::*"}
	for _, r := range append(logObjects, results...) {
		wild = append(wild, "Resource::"+r)
	}
	if props.KMS {
		var via []string
		for _, r := range regions {
			via = append(via, "s3."+r+".amazonaws.com")
		}
		stmts = append(stmts, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DecryptThroughS3"),
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
			Resources:  jsii.Strings(keys...),
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}},
		}))
		for _, k := range keys {
			wild = append(wild, "Resource::"+k)
		}
	}
	var curWild []string
	if props.CUR != nil {
		var cur []awsiam.PolicyStatement
		cur, curWild = curReads(props.Account, *props.CUR, inAccount)
		stmts = append(stmts, cur...)
	}
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:       jsii.String(props.RoleName),
		Description:    jsii.String("bedrock-usage: read-only usage and cost reporting (CI)"),
		AssumedBy:      principal,
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Reporting": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &stmts})},
	})
	suppress(role, "AwsSolutions-IAM5", "Read-only reporting: log objects and Athena result objects are read under their fixed key prefixes (object names are generated by Bedrock and Athena); GetModelInvocationLoggingConfiguration, ListInferenceProfiles, pricing:GetProducts and cloudwatch:GetMetricData support no resource-level permissions; KMS keys (each region's stack owns its key, unknown here) are usable only through S3 in the configured regions (kms:ViaService).",
		wild...)
	if len(curWild) > 0 {
		suppress(role, "AwsSolutions-IAM5", "Read-only reconciliation: the CUR 2.0 export's Parquet files are read under the export's fixed data prefix only, since Data Exports names the files itself and rewrites them at every refresh.",
			curWild...)
	}
	return role
}

// curReads are the reporting role's statements for the CUR 2.0 export (`bedrock-usage
// reconcile`), and the cdk-nag wildcard findings they raise: the export's Parquet files under
// its data prefix, listing the bucket under deployment.CURPrefix only, the bucket's region
// (Athena asks), and the Glue table. The table's catalog and database are the home region's,
// which GlueCatalogReads already grants; every S3 grant holds in this account only.
func curReads(account string, cur ReportingCUR, inAccount *map[string]any) ([]awsiam.PolicyStatement, []string) {
	bucket := bucketArn(cur.Bucket)
	data := bucket + "/" + deployment.CURPrefix + deployment.CURExportName + "/data/*"
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("ReadCUR"),
			Actions:    jsii.Strings("s3:GetObject"),
			Resources:  jsii.Strings(data),
			Conditions: inAccount,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListCUR"),
			Actions:   jsii.Strings("s3:ListBucket"),
			Resources: jsii.Strings(bucket),
			Conditions: &map[string]any{
				"StringEquals": (*inAccount)["StringEquals"],
				"StringLike":   map[string]any{"s3:prefix": deployment.CURPrefix + "*"},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CURBucketLocation"),
			Actions:    jsii.Strings("s3:GetBucketLocation"),
			Resources:  jsii.Strings(bucket),
			Conditions: inAccount,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("CURCatalogReads"),
			Actions:   jsii.Strings("glue:GetTable", "glue:GetPartitions"),
			Resources: jsii.Strings("arn:aws:glue:" + cur.Region + ":" + account + ":table/" + DatabaseName + "/" + deployment.CURTableName),
		}),
	}, []string{"Resource::" + data}
}

// NewGitHubOIDCProvider creates the IAM OIDC provider for GitHub Actions (one per account).
func NewGitHubOIDCProvider(scope constructs.Construct, id string) awsiam.OidcProviderNative {
	return awsiam.NewOidcProviderNative(scope, jsii.String(id), &awsiam.OidcProviderNativeProps{
		Url:       jsii.String(GitHubOIDCURL),
		ClientIds: jsii.Strings(GitHubAudience),
	})
}
