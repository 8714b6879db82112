package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// BedrockServicePrincipal is the principal that delivers invocation logs.
const BedrockServicePrincipal = "bedrock.amazonaws.com"

// BedrockSourceArn is the aws:SourceArn every grant to Bedrock is limited to.
func BedrockSourceArn(account, region string) string {
	return "arn:aws:bedrock:" + region + ":" + account + ":*"
}

// confusedDeputy is the condition block every grant to bedrock.amazonaws.com carries: only
// Bedrock acting for this account in this region.
func confusedDeputy(account, region string) *map[string]any {
	return &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": account},
		"ArnLike":      map[string]any{"aws:SourceArn": BedrockSourceArn(account, region)},
	}
}

// hardened is the bucket configuration every bucket of the app shares.
func hardened(name string) *awss3.BucketProps {
	return &awss3.BucketProps{
		BucketName:        jsii.String(name),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	}
}

// hardenedData is hardened for a data bucket: encrypted with key when one is given (SSE-S3
// otherwise) and logging its access to accessLogs under its own name.
func hardenedData(name string, key awskms.IKey, accessLogs awss3.IBucket) *awss3.BucketProps {
	p := hardened(name)
	if key != nil {
		p.Encryption = awss3.BucketEncryption_KMS
		p.EncryptionKey = key
		p.BucketKeyEnabled = jsii.Bool(true)
	}
	p.ServerAccessLogsBucket = accessLogs
	p.ServerAccessLogsPrefix = jsii.String(name + "/")
	return p
}

// versionedData is hardenedData for a bucket of records that must leave a trace when they
// change (the log buckets, the CUR bucket): versioned, an object rewritten or deleted keeps
// its previous version for NoncurrentVersionDays; one lifecycle rule (ruleID) moves objects
// to Intelligent-Tiering after transitionDays and expires them after expirationDays (0:
// never, for either) and aborts incomplete uploads after 7 days.
func versionedData(name, ruleID string, key awskms.IKey, accessLogs awss3.IBucket, transitionDays, expirationDays int) *awss3.BucketProps {
	p := hardenedData(name, key, accessLogs)
	p.Versioned = jsii.Bool(true)
	rule := &awss3.LifecycleRule{
		Id:                                  jsii.String(ruleID),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(NoncurrentVersionDays)),
	}
	if transitionDays > 0 {
		rule.Transitions = &[]*awss3.Transition{{
			StorageClass:    awss3.StorageClass_INTELLIGENT_TIERING(),
			TransitionAfter: awscdk.Duration_Days(jsii.Number(float64(transitionDays))),
		}}
	}
	if expirationDays > 0 {
		rule.Expiration = awscdk.Duration_Days(jsii.Number(float64(expirationDays)))
	}
	p.LifecycleRules = &[]*awss3.LifecycleRule{rule}
	return p
}

// LogKeyProps configures NewLogKey.
type LogKeyProps struct {
	Account, Region string
}

// NewLogKey creates the customer-managed KMS key for the log and analytics buckets. Its policy
// keeps CDK's default (the account administers the key through IAM) and lets Bedrock generate
// data keys only under the confused-deputy conditions. The key is retained with the buckets:
// deleting it would make the retained logs unreadable.
func NewLogKey(scope constructs.Construct, id string, props LogKeyProps) awskms.Key {
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String("bedrock-usage: encrypts Bedrock invocation logs and Athena results in " + props.Region),
		Alias:             jsii.String("alias/bedrock-usage-logs"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("BedrockLogDelivery"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(BedrockServicePrincipal), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
		Conditions: confusedDeputy(props.Account, props.Region),
	}), jsii.Bool(false))
	// The stack's CloudWatch Logs groups (the handler's, and the optional delivery group)
	// are encrypted with the key too. CloudWatch Logs uses it under the encryption context
	// of the log group (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs
	// using AWS KMS"): only these groups, in this account and region.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncryption"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+props.Region+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": []string{
			LogGroupArn(props.Account, props.Region, HandlerLogGroupName),
			LogGroupArn(props.Account, props.Region, CloudWatchLogGroupName),
		}}},
	}), jsii.Bool(false))
	return key
}

// AccessLogBucketProps configures NewAccessLogBucket.
type AccessLogBucketProps struct {
	BucketName     string
	ExpirationDays int
}

// NewAccessLogBucket creates the bucket that receives the S3 server access logs of the log
// and analytics buckets. It is SSE-S3 encrypted (S3 cannot deliver access logs to an SSE-KMS
// bucket) and does not log its own access (that would loop).
func NewAccessLogBucket(scope constructs.Construct, id string, props AccessLogBucketProps) awss3.Bucket {
	p := hardened(props.BucketName)
	p.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id:                                  jsii.String("expire-access-logs"),
		Expiration:                          awscdk.Duration_Days(jsii.Number(float64(props.ExpirationDays))),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}
	return awss3.NewBucket(scope, jsii.String(id), p)
}

// LogBucketProps configures NewLogBucket.
type LogBucketProps struct {
	Account, Region string
	BucketName      string
	// Existing uses a bucket the account already logs to; the app then manages neither its
	// settings nor its policy (a bucket has one policy document, and CloudFormation would
	// replace the owner's).
	Existing bool
	// Prefix is the log key prefix with its trailing slash.
	Prefix string
	// Key is the KMS key; nil encrypts with SSE-S3.
	Key            awskms.IKey
	AccessLogs     awss3.IBucket
	TransitionDays int // to Intelligent-Tiering; 0 never
	ExpirationDays int // 0 never
	// ObjectLockDays, when above 0, turns on S3 Object Lock with a default retention of that
	// many days in governance mode (a new bucket only; S3 never turns it off again).
	ObjectLockDays int
}

// LogBucket is the bucket Bedrock writes invocation logs to.
type LogBucket struct {
	constructs.Construct
	Bucket awss3.IBucket
	// Policy is the bucket policy that lets Bedrock write; nil for an existing bucket.
	Policy awss3.BucketPolicy
}

// NoncurrentVersionDays is how long a log bucket (and the CUR bucket) keeps an object's
// previous versions.
const NoncurrentVersionDays = 90

// NewLogBucket creates (or imports) the log bucket and grants Bedrock s3:PutObject under
// {prefix}AWSLogs/{account}/BedrockModelInvocationLogs/ only, under the confused-deputy
// conditions.
func NewLogBucket(scope constructs.Construct, id string, props LogBucketProps) *LogBucket {
	c := constructs.NewConstruct(scope, jsii.String(id))
	lb := &LogBucket{Construct: c}
	if props.Existing {
		lb.Bucket = awss3.Bucket_FromBucketName(c, jsii.String("Bucket"), jsii.String(props.BucketName))
		return lb
	}
	p := versionedData(props.BucketName, "log-storage", props.Key, props.AccessLogs, props.TransitionDays, props.ExpirationDays)
	if props.ObjectLockDays > 0 {
		// Governance mode: an object version cannot be overwritten or deleted before its
		// retention ends, except by a principal allowed s3:BypassGovernanceRetention (so a
		// mistaken setting can still be undone, unlike compliance mode). Lifecycle
		// expiration of noncurrent versions waits for the retention to end.
		p.ObjectLockEnabled = jsii.Bool(true)
		p.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Governance(awscdk.Duration_Days(jsii.Number(float64(props.ObjectLockDays))))
	}
	b := awss3.NewBucket(c, jsii.String("Bucket"), p)
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("BedrockInvocationLogDelivery"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(BedrockServicePrincipal), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(bucketArn(props.BucketName) + "/" + props.Prefix + "AWSLogs/" + props.Account + "/BedrockModelInvocationLogs/*"),
		Conditions: confusedDeputy(props.Account, props.Region),
	}))
	lb.Bucket = b
	lb.Policy = b.Policy()
	return lb
}

// AnalyticsBucketProps configures NewAnalyticsBucket.
type AnalyticsBucketProps struct {
	BucketName     string
	Key            awskms.IKey // nil: SSE-S3
	AccessLogs     awss3.IBucket
	ExpirationDays int
}

// NewAnalyticsBucket creates the Athena results bucket: hardened like the log bucket, results
// expire after ExpirationDays.
func NewAnalyticsBucket(scope constructs.Construct, id string, props AnalyticsBucketProps) awss3.Bucket {
	p := hardenedData(props.BucketName, props.Key, props.AccessLogs)
	p.LifecycleRules = &[]*awss3.LifecycleRule{{
		Id:                                  jsii.String("expire-results"),
		Expiration:                          awscdk.Duration_Days(jsii.Number(float64(props.ExpirationDays))),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
	}}
	return awss3.NewBucket(scope, jsii.String(id), p)
}

func bucketArn(name string) string { return "arn:aws:s3:::" + name }
