package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbcmdataexports"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// RegionalStackProps configures NewRegionalStack.
type RegionalStackProps struct {
	Config Config
	Region string
}

// NewRegionalStack creates BedrockUsage-{region}: the key (optional), the access-log, log and
// analytics buckets, the Glue table, the Athena workgroup and the logging configuration; in
// the home region with bedrock-usage:cur, the CUR 2.0 export, its bucket and its Glue table
// too (see newCUR). It holds no IAM resource at all: IAM is global, so the custom resource
// function's role and the CloudWatch delivery role are the account stack's
// (NewInvocationLoggingRoles), imported here by name; the stack depends on
// BedrockUsage-Account (see Build).
func NewRegionalStack(scope constructs.Construct, props RegionalStackProps) awscdk.Stack {
	cfg, region := props.Config, props.Region
	stack := awscdk.NewStack(scope, jsii.String(RegionalStackName(region)), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(region)},
		Description: jsii.String("bedrock-usage: Bedrock invocation logging and analytics in " + region),
	})

	var key awskms.IKey
	if cfg.KMS {
		key = NewLogKey(stack, "LogKey", LogKeyProps{Account: cfg.Account, Region: region})
	}
	accessLogs := NewAccessLogBucket(stack, "AccessLogBucket", AccessLogBucketProps{
		BucketName:     cfg.AccessLogBucketName(region),
		ExpirationDays: cfg.AccessLogExpirationDays,
	})
	_, existing := cfg.ExistingLogBuckets[region]
	logs := NewLogBucket(stack, "LogBucket", LogBucketProps{
		Account:        cfg.Account,
		Region:         region,
		BucketName:     cfg.LogBucketName(region),
		Existing:       existing,
		Prefix:         cfg.LogPrefix,
		Key:            key,
		AccessLogs:     accessLogs,
		TransitionDays: cfg.LogTransitionDays,
		ExpirationDays: cfg.LogExpirationDays,
		ObjectLockDays: objectLockDays(cfg.ObjectLock),
	})
	analytics := NewAnalyticsBucket(stack, "AnalyticsBucket", AnalyticsBucketProps{
		BucketName:     cfg.AnalyticsBucketName(region),
		Key:            key,
		AccessLogs:     accessLogs,
		ExpirationDays: cfg.ResultsExpirationDays,
	})
	catalog := NewLogTable(stack, "Catalog", LogTableProps{
		Account:         cfg.Account,
		Bucket:          cfg.LogBucketName(region),
		RegionPrefix:    cfg.RegionLogPrefix(region),
		ProjectionStart: cfg.ProjectionStart,
	})
	wg := NewWorkGroup(stack, "WorkGroup", WorkGroupProps{
		OutputLocation:     cfg.ResultsLocation(region),
		Key:                key,
		BytesScannedCutoff: cfg.BytesScannedCutoff,
		Account:            cfg.Account,
	})
	wg.Node().AddDependency(analytics)

	var deps []constructs.IConstruct
	if logs.Policy != nil {
		deps = append(deps, logs.Policy)
	}
	if key != nil {
		deps = append(deps, key)
	}
	logging := NewInvocationLogging(stack, "InvocationLogging", InvocationLoggingProps{
		Account:         cfg.Account,
		Region:          region,
		Bucket:          cfg.LogBucketName(region),
		Prefix:          cfg.LogPrefix,
		Delivery:        cfg.Delivery,
		CloudWatch:      cfg.CloudWatch,
		ReplaceExisting: cfg.ReplaceExistingLogging,
		Key:             key,
		DependsOn:       deps,
	})

	out := func(id, value, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(desc)})
	}
	out("LogBucketName", cfg.LogBucketName(region), "Bucket Bedrock writes invocation logs to")
	out("LogPrefix", cfg.RegionLogPrefix(region), "Key prefix of this region's logs (bedrock-usage report --source s3://BUCKET/PREFIX)")
	out("AnalyticsBucketName", cfg.AnalyticsBucketName(region), "Bucket of Athena query results")
	out("AccessLogBucketName", cfg.AccessLogBucketName(region), "Bucket of S3 server access logs")
	out("DatabaseName", DatabaseName, "Glue database")
	out("TableName", TableName, "Glue table over the invocation logs (partition projection on dt)")
	out("WorkGroupName", WorkGroupName, "Athena workgroup")
	out("ResultsLocation", cfg.ResultsLocation(region), "Athena output location (enforced by the workgroup)")
	if key != nil {
		awscdk.NewCfnOutput(stack, jsii.String("KeyArn"), &awscdk.CfnOutputProps{Value: key.KeyArn(), Description: jsii.String("KMS key of the log and analytics buckets")})
	}
	if logging.LogGroup != nil {
		out("LogGroupName", CloudWatchLogGroupName, "CloudWatch Logs group of the second delivery")
	}
	if cfg.CUR && region == cfg.HomeRegion {
		export := newCUR(stack, cfg, accessLogs, catalog.Database)
		out("CURBucketName", cfg.CURBucketName(), "Bucket of the CUR 2.0 data export")
		out("CURDataLocation", cfg.CURDataLocation(), "Where Data Exports delivers the export's Parquet files (one BILLING_PERIOD=yyyy-MM folder each)")
		out("CURTableName", deployment.CURTableName, "Glue table over the CUR 2.0 export (partition projection on billing_period)")
		awscdk.NewCfnOutput(stack, jsii.String("CURExportArn"), &awscdk.CfnOutputProps{Value: export.AttrExportArn(), Description: jsii.String("AWS Data Exports export that bedrock-usage reconcile reads")})
	}
	return stack
}

// newCUR adds the CUR 2.0 export (bedrock-usage:cur) to the home region's stack: its bucket,
// logging its access like the log buckets, the export once the bucket policy lets Data
// Exports write, and the Glue table in the stack's database. They live here rather than in
// the account stack, which holds only IAM: the table needs the home region's database and
// the bucket its access-log bucket, both created by this stack, while this stack must follow
// the account stack (its logging roles), so the account stack cannot follow it in turn.
func newCUR(stack awscdk.Stack, cfg Config, accessLogs awss3.IBucket, database constructs.IConstruct) awsbcmdataexports.CfnExport {
	bucket := NewCURBucket(stack, "CURBucket", CURBucketProps{
		Account:        cfg.Account,
		BucketName:     cfg.CURBucketName(),
		AccessLogs:     accessLogs,
		TransitionDays: cfg.LogTransitionDays,
		ExpirationDays: cfg.LogExpirationDays,
	})
	export := NewCURExport(stack, "CURExport", CURExportProps{
		Bucket:    cfg.CURBucketName(),
		Region:    cfg.HomeRegion,
		DependsOn: []constructs.IConstruct{bucket.Policy},
	})
	NewCURTable(stack, "CURTable", CURTableProps{
		Account:         cfg.Account,
		Location:        cfg.CURDataLocation(),
		ProjectionStart: cfg.CURProjectionStart(),
		Database:        database,
	})
	return export
}

// AccountStackProps configures NewAccountStack.
type AccountStackProps struct {
	Config Config
}

// NewAccountStack creates BedrockUsage-Account in the home region: the application roles,
// the reporting role, the roles of the regional logging configurations (the custom resource
// function's and, with CloudWatch delivery, Bedrock's) and, when configured, the GitHub
// Actions OIDC provider. IAM is global, so these exist once per account.
func NewAccountStack(scope constructs.Construct, props AccountStackProps) awscdk.Stack {
	cfg := props.Config
	stack := awscdk.NewStack(scope, jsii.String(AccountStackName), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.HomeRegion)},
		Description: jsii.String("bedrock-usage: account-wide IAM roles for Bedrock applications and usage reporting"),
	})
	for _, app := range cfg.Apps {
		role := NewAppRole(stack, app+"Role", AppRoleProps{
			App:        app,
			Account:    cfg.Account,
			Regions:    cfg.Regions,
			Families:   cfg.ModelFamilies,
			Principals: cfg.AppPrincipals,
		})
		awscdk.NewCfnOutput(stack, jsii.String(app+"RoleArn"), &awscdk.CfnOutputProps{Value: role.RoleArn(), Description: jsii.String("Role of " + app)})
	}
	var provider *string
	if cfg.GitHub.Repo != "" {
		if cfg.GitHub.OIDCProviderARN != "" {
			provider = jsii.String(cfg.GitHub.OIDCProviderARN)
		} else {
			p := NewGitHubOIDCProvider(stack, "GitHubOIDCProvider")
			provider = p.OidcProviderArn()
		}
		awscdk.NewCfnOutput(stack, jsii.String("GitHubOIDCProviderArn"), &awscdk.CfnOutputProps{Value: provider, Description: jsii.String("GitHub Actions OIDC provider")})
	}
	logBuckets, resultBuckets := map[string]string{}, map[string]string{}
	for _, r := range cfg.Regions {
		logBuckets[r] = cfg.LogBucketName(r)
		resultBuckets[r] = cfg.AnalyticsBucketName(r)
	}
	reporting := NewReportingRole(stack, "ReportingRole", ReportingRoleProps{
		RoleName:      cfg.ReportingRoleName,
		Account:       cfg.Account,
		Regions:       cfg.Regions,
		LogBuckets:    logBuckets,
		LogPrefix:     cfg.LogPrefix,
		ResultBuckets: resultBuckets,
		KMS:           cfg.KMS,
		Principals:    cfg.ReportingPrincipals,
		GitHub:        cfg.GitHub,
		OIDCProvider:  provider,
		Apps:          cfg.Apps,
		CUR:           reportingCUR(cfg),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ReportingRoleArn"), &awscdk.CfnOutputProps{Value: reporting.RoleArn(), Description: jsii.String("Read-only reporting role (CI)")})
	logging := NewInvocationLoggingRoles(stack, InvocationLoggingRolesProps{
		Account:    cfg.Account,
		Regions:    cfg.Regions,
		CloudWatch: cfg.CloudWatch.Enabled,
	})
	awscdk.NewCfnOutput(stack, jsii.String("LoggingHandlerRoleArn"), &awscdk.CfnOutputProps{Value: logging.Handler.RoleArn(), Description: jsii.String("Role of the custom resource that sets Bedrock invocation logging in every region")})
	if logging.Delivery != nil {
		awscdk.NewCfnOutput(stack, jsii.String("LogDeliveryRoleArn"), &awscdk.CfnOutputProps{Value: logging.Delivery.RoleArn(), Description: jsii.String("Role Bedrock assumes to deliver invocation logs to CloudWatch Logs")})
	}
	return stack
}

// Stacks is what Build created.
type Stacks struct {
	Account  awscdk.Stack
	Regional map[string]awscdk.Stack // by region
}

// Build adds every stack of cfg to app: BedrockUsage-Account and one BedrockUsage-{region}
// per configured region. Each regional stack depends on the account stack (it uses the
// account stack's roles by name, without a cross-stack reference), so `cdk deploy --all`, or
// naming a regional stack, deploys BedrockUsage-Account first.
func Build(app awscdk.App, cfg Config) Stacks {
	s := Stacks{Regional: map[string]awscdk.Stack{}}
	s.Account = NewAccountStack(app, AccountStackProps{Config: cfg})
	for _, r := range cfg.Regions {
		s.Regional[r] = NewRegionalStack(app, RegionalStackProps{Config: cfg, Region: r})
		s.Regional[r].AddStackDependency(s.Account, jsii.String("uses the account stack's logging roles by name"))
	}
	return s
}

// ConfigFromApp reads the Config from the app's context (cdk.json and -c flags);
// defaultAccount is CDK_DEFAULT_ACCOUNT.
func ConfigFromApp(app awscdk.App, defaultAccount string) (Config, error) {
	return LoadConfig(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) }, defaultAccount)
}

// reportingCUR is what the reporting role reads of the CUR export; nil when it is off.
func reportingCUR(cfg Config) *ReportingCUR {
	if !cfg.CUR {
		return nil
	}
	return &ReportingCUR{Region: cfg.HomeRegion, Bucket: cfg.CURBucketName()}
}

// objectLockDays is the log buckets' Object Lock retention, 0 when off.
func objectLockDays(o ObjectLock) int {
	if !o.Enabled {
		return 0
	}
	return o.RetentionDays
}
