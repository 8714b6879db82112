package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/loggingconfig"
)

// CloudWatchLogGroupName is the log group of the optional CloudWatch Logs delivery.
const CloudWatchLogGroupName = "/bedrock-usage/model-invocations"

// bedrockLogStream is the stream Bedrock writes to in the delivery log group.
const bedrockLogStream = "aws/bedrock/modelinvocations"

// Names of the logging configuration's pieces. The two roles live once per account (IAM names
// are global) in BedrockUsage-Account; the function and its log group once per region (their
// names are regional), so the roles can name them exactly.
const (
	// LoggingHandlerRoleName is the role of every region's custom resource function.
	LoggingHandlerRoleName = "BedrockUsage-InvocationLoggingHandler"
	// LogDeliveryRoleName is the role Bedrock assumes to write to CloudWatchLogGroupName.
	LogDeliveryRoleName = "BedrockUsage-InvocationLogDelivery"
	// LoggingHandlerFunctionName is the custom resource's function in each region.
	LoggingHandlerFunctionName = "BedrockUsage-InvocationLogging"
	// HandlerLogGroupName is the function's log group in each region.
	HandlerLogGroupName = "/bedrock-usage/invocation-logging-handler"
)

// LambdaServicePrincipal is the principal that assumes the custom resource function's role.
const LambdaServicePrincipal = "lambda.amazonaws.com"

// RoleArn is the ARN of an account's role by name.
func RoleArn(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// HandlerFunctionArn is the custom resource function's ARN in a region.
func HandlerFunctionArn(account, region string) string {
	return "arn:aws:lambda:" + region + ":" + account + ":function:" + LoggingHandlerFunctionName
}

// LogGroupArn is a log group's ARN (as KMS sees it in the encryption context).
func LogGroupArn(account, region, name string) string {
	return "arn:aws:logs:" + region + ":" + account + ":log-group:" + name
}

// handlerLogGroupArn is the ARN (with the trailing :* of its streams) of the custom resource
// function's log group in a region.
func handlerLogGroupArn(account, region string) string {
	return LogGroupArn(account, region, HandlerLogGroupName) + ":*"
}

// deliveryStreamArn is the stream Bedrock writes to in a region's delivery log group.
func deliveryStreamArn(account, region string) string {
	return "arn:aws:logs:" + region + ":" + account + ":log-group:" + CloudWatchLogGroupName + ":log-stream:" + bedrockLogStream
}

// retention maps the CloudWatch Logs retention periods (days, see logRetentionDays) to CDK's
// enum.
var retention = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// InvocationLoggingRolesProps configures NewInvocationLoggingRoles.
type InvocationLoggingRolesProps struct {
	Account string
	Regions []string
	// CloudWatch adds the delivery role.
	CloudWatch bool
}

// InvocationLoggingRoles are the account-wide roles of the regional logging configurations.
type InvocationLoggingRoles struct {
	Handler awsiam.Role
	// Delivery is set when CloudWatch delivery is on.
	Delivery awsiam.Role
}

// NewInvocationLoggingRoles creates, in the account stack, the roles every regional stack's
// logging configuration uses by name: LoggingHandlerRoleName, assumed by Lambda for the
// custom resource function of a configured region only, and (with CloudWatch delivery)
// LogDeliveryRoleName, assumed by Bedrock acting for this account in a configured region.
func NewInvocationLoggingRoles(scope constructs.Construct, props InvocationLoggingRolesProps) InvocationLoggingRoles {
	var roles InvocationLoggingRoles
	var functions, handlerLogs, bedrockSources, deliveryStreams []string
	for _, r := range props.Regions {
		functions = append(functions, HandlerFunctionArn(props.Account, r))
		handlerLogs = append(handlerLogs, handlerLogGroupArn(props.Account, r))
		bedrockSources = append(bedrockSources, BedrockSourceArn(props.Account, r))
		deliveryStreams = append(deliveryStreams, deliveryStreamArn(props.Account, r))
	}

	// Every permission holds only for calls made by the handler functions themselves:
	// Lambda puts lambda:SourceFunctionArn in the request context of the calls a function's
	// code makes with its execution role's credentials, and of the CloudWatch Logs writes
	// Lambda makes for it. Another function given this role can do nothing with it.
	fromHandler := map[string]any{"lambda:SourceFunctionArn": functions}
	stmts := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("SetInvocationLogging"),
			Actions:   jsii.Strings("bedrock:PutModelInvocationLoggingConfiguration", "bedrock:DeleteModelInvocationLoggingConfiguration", "bedrock:GetModelInvocationLoggingConfiguration"),
			Resources: jsii.Strings("*"),
			Conditions: &map[string]any{
				"ArnEquals":    fromHandler,
				"StringEquals": map[string]any{"aws:RequestedRegion": props.Regions},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WriteHandlerLogs"),
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources:  jsii.Strings(handlerLogs...),
			Conditions: &map[string]any{"ArnEquals": fromHandler},
		}),
	}
	if props.CloudWatch {
		roles.Delivery = awsiam.NewRole(scope, jsii.String("InvocationLogDeliveryRole"), &awsiam.RoleProps{
			RoleName:    jsii.String(LogDeliveryRoleName),
			Description: jsii.String("bedrock-usage: lets Bedrock deliver invocation logs to CloudWatch Logs in the configured regions"),
			AssumedBy: awsiam.NewServicePrincipal(jsii.String(BedrockServicePrincipal), &awsiam.ServicePrincipalOpts{
				Conditions: &map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": props.Account},
					"ArnLike":      map[string]any{"aws:SourceArn": bedrockSources},
				},
			}),
			InlinePolicies: &map[string]awsiam.PolicyDocument{
				"DeliverInvocationLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
					Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
						Resources: jsii.Strings(deliveryStreams...),
					})},
				}),
			},
		})
		stmts = append(stmts, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PassDeliveryRoleToBedrock"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &[]*string{roles.Delivery.RoleArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": BedrockServicePrincipal}, "ArnEquals": fromHandler},
		}))
	}
	roles.Handler = awsiam.NewRole(scope, jsii.String("InvocationLoggingHandlerRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(LoggingHandlerRoleName),
		Description: jsii.String("bedrock-usage: runs the custom resource that sets Bedrock model invocation logging in each configured region"),
		// aws:SourceAccount only: AWS documents no aws:SourceArn on Lambda's AssumeRole of an
		// execution role (it passes the function as lambda:SourceFunctionArn on the calls the
		// credentials make), and a condition Lambda does not satisfy would keep the function
		// from being created. AWS's own samples scope execution roles this way.
		AssumedBy: awsiam.NewServicePrincipal(jsii.String(LambdaServicePrincipal), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": props.Account},
			},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"SetInvocationLogging": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &stmts}),
		},
	})
	wild := []string{"Resource::*"}
	for _, a := range handlerLogs {
		wild = append(wild, "Resource::"+a)
	}
	suppress(roles.Handler, "AwsSolutions-IAM5", "The Bedrock model invocation logging configuration is a per-region account setting: its actions support no resource-level permissions, so IAM only accepts Resource \"*\"; the function writes only to the streams of its own named log group in the configured regions (stream names are generated by Lambda).",
		wild...)
	return roles
}

// InvocationLoggingProps configures NewInvocationLogging.
type InvocationLoggingProps struct {
	Account, Region string
	Bucket          string
	// Prefix is the log key prefix with its trailing slash; Bedrock is given it without the
	// slash and adds one itself ({keyPrefix}/AWSLogs/…).
	Prefix   string
	Delivery Delivery
	// CloudWatch adds a second delivery to CloudWatchLogGroupName.
	CloudWatch CloudWatch
	// ReplaceExisting lets the create replace a different configuration already set in the
	// region (the handler restores it on delete); without it the create fails.
	ReplaceExisting bool
	// Key, when set, encrypts the handler's log group and the delivery log group (its
	// policy lets CloudWatch Logs use it for them, see NewLogKey); nil leaves them on
	// CloudWatch Logs' own encryption.
	Key awskms.IKey
	// DependsOn are created before the configuration is put (the bucket policy, the key):
	// Bedrock checks that it can write when the configuration is set.
	DependsOn []constructs.IConstruct
}

// InvocationLogging is the region's Bedrock model invocation logging configuration.
type InvocationLogging struct {
	constructs.Construct
	// Resource is the Custom::BedrockInvocationLogging resource; Function its handler
	// (cmd/logging-handler, see package loggingconfig).
	Resource awscdk.CustomResource
	Function awslambda.Function
	// Role is the custom resource function's role, LoggingHandlerRoleName of the account
	// stack, imported by ARN (immutable: nothing is added to it here).
	Role awsiam.IRole
	// LogGroup and DeliveryRole are set when CloudWatch delivery is on; DeliveryRole is
	// LogDeliveryRoleName of the account stack, imported by ARN.
	LogGroup     awslogs.LogGroup
	DeliveryRole awsiam.IRole
}

// Logical IDs the AwsCustomResource of earlier versions gave the function and the resource.
// Both are kept: the function is updated in place, so the resource's ServiceToken is
// unchanged and CloudFormation sends the new handler an Update of the same resource. A new
// logical ID would make CloudFormation delete the old resource after the update, and the old
// resource's Delete switched logging off.
const (
	LegacyFunctionLogicalID = "AWS679f53fac002430cb0da5b7982bd22872D164C4C"
	LegacyResourceLogicalID = "InvocationLoggingConfigurationF4938977"
)

const (
	// HandlerTimeout is the function's timeout; the handler stops calling Bedrock 15 s
	// before it so that it can always send its response.
	HandlerTimeout = 120
	// ServiceTimeout is how long CloudFormation waits for the handler's response.
	ServiceTimeout = 300
)

// NewInvocationLogging sets Bedrock model invocation logging in the stack's region through
// the Custom::BedrockInvocationLogging resource, whose Go handler (package loggingconfig)
// reads the region's configuration first: on create it puts the stack's configuration when
// none is set, adopts an identical one, and refuses a different one unless ReplaceExisting
// (then the previous one is restored on delete); on delete it removes only a configuration
// the stack set and still in place. The handler binary is built from this repository at synth
// time. It creates no IAM resource: the function's role and the delivery role come from the
// account stack (NewInvocationLoggingRoles), which must be deployed first.
func NewInvocationLogging(scope constructs.Construct, id string, props InvocationLoggingProps) *InvocationLogging {
	c := constructs.NewConstruct(scope, jsii.String(id))
	il := &InvocationLogging{Construct: c}

	loggingConfig := map[string]any{
		"s3Config": map[string]any{
			"bucketName": props.Bucket,
			"keyPrefix":  strings.TrimSuffix(props.Prefix, "/"),
		},
		"textDataDeliveryEnabled":      props.Delivery.Text,
		"imageDataDeliveryEnabled":     props.Delivery.Image,
		"embeddingDataDeliveryEnabled": props.Delivery.Embedding,
		"videoDataDeliveryEnabled":     props.Delivery.Video,
	}

	fnLogs := awslogs.NewLogGroup(c, jsii.String("HandlerLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(HandlerLogGroupName),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		EncryptionKey: props.Key,
	})
	immutable := &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)}
	il.Role = awsiam.Role_FromRoleArn(c, jsii.String("HandlerRole"), jsii.String(RoleArn(props.Account, LoggingHandlerRoleName)), immutable)

	if props.CloudWatch.Enabled {
		il.LogGroup = awslogs.NewLogGroup(c, jsii.String("DeliveryLogGroup"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(CloudWatchLogGroupName),
			Retention:     retention[props.CloudWatch.RetentionDays],
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			EncryptionKey: props.Key,
		})
		il.DeliveryRole = awsiam.Role_FromRoleArn(c, jsii.String("DeliveryRole"), jsii.String(RoleArn(props.Account, LogDeliveryRoleName)), immutable)
		loggingConfig["cloudWatchConfig"] = map[string]any{
			"logGroupName": CloudWatchLogGroupName,
			"roleArn":      il.DeliveryRole.RoleArn(),
		}
	}

	il.Function = awslambda.NewFunction(c, jsii.String("Handler"), &awslambda.FunctionProps{
		FunctionName: jsii.String(LoggingHandlerFunctionName),
		Description:  jsii.String("bedrock-usage: sets Bedrock model invocation logging in this region (Custom::BedrockInvocationLogging)"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(LoggingHandlerAsset()), nil),
		Role:         il.Role,
		LogGroup:     fnLogs,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(HandlerTimeout)),
		// CloudFormation invokes the function asynchronously: Lambda would retry a failed or
		// timed-out run, and a retried Create would find the configuration it had just put
		// and report it as adopted, losing what the first run decided. Never retry.
		RetryAttempts: jsii.Number(0),
	})
	il.Function.Node().DefaultChild().(awslambda.CfnFunction).OverrideLogicalId(jsii.String(LegacyFunctionLogicalID))

	il.Resource = awscdk.NewCustomResource(c, jsii.String("Configuration"), &awscdk.CustomResourceProps{
		ResourceType: jsii.String("Custom::BedrockInvocationLogging"),
		ServiceToken: il.Function.FunctionArn(),
		Properties: &map[string]any{
			loggingconfig.PropLoggingConfig:   loggingConfig,
			loggingconfig.PropReplaceExisting: props.ReplaceExisting,
		},
		ServiceTimeout: awscdk.Duration_Seconds(jsii.Number(ServiceTimeout)),
		RemovalPolicy:  awscdk.RemovalPolicy_DESTROY,
	})
	il.Resource.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(LegacyResourceLogicalID))
	for _, d := range props.DependsOn {
		il.Resource.Node().AddDependency(d)
	}
	if il.LogGroup != nil {
		il.Resource.Node().AddDependency(il.LogGroup)
	}
	return il
}
