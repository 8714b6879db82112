package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// CloudWatchLogGroupName is the log group of the optional CloudWatch Logs delivery.
const CloudWatchLogGroupName = "/bedrock-usage/model-invocations"

// bedrockLogStream is the stream Bedrock writes to in the delivery log group.
const bedrockLogStream = "aws/bedrock/modelinvocations"

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
	// DependsOn are created before the configuration is put (the bucket policy, the key):
	// Bedrock checks that it can write when the configuration is set.
	DependsOn []constructs.IConstruct
}

// InvocationLogging is the region's Bedrock model invocation logging configuration.
type InvocationLogging struct {
	constructs.Construct
	Resource customresources.AwsCustomResource
	// Role is the custom resource function's role (no name: CloudFormation makes one per stack).
	Role awsiam.Role
	// LogGroup and DeliveryRole are set when CloudWatch delivery is on.
	LogGroup     awslogs.LogGroup
	DeliveryRole awsiam.Role
}

// NewInvocationLogging switches Bedrock model invocation logging on in the stack's region:
// PutModelInvocationLoggingConfiguration on create and update,
// DeleteModelInvocationLoggingConfiguration on delete (the bucket and its logs stay).
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
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	il.Role = awsiam.NewRole(c, jsii.String("HandlerRole"), &awsiam.RoleProps{
		Description: jsii.String("bedrock-usage: runs the custom resource that sets Bedrock model invocation logging in " + props.Region),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	fnLogs.GrantWrite(il.Role)

	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("SetInvocationLogging"),
			Actions:   jsii.Strings("bedrock:PutModelInvocationLoggingConfiguration", "bedrock:DeleteModelInvocationLoggingConfiguration", "bedrock:GetModelInvocationLoggingConfiguration"),
			Resources: jsii.Strings("*"),
		}),
	}

	if props.CloudWatch.Enabled {
		il.LogGroup = awslogs.NewLogGroup(c, jsii.String("DeliveryLogGroup"), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(CloudWatchLogGroupName),
			Retention:     retention[props.CloudWatch.RetentionDays],
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		il.DeliveryRole = awsiam.NewRole(c, jsii.String("DeliveryRole"), &awsiam.RoleProps{
			Description: jsii.String("bedrock-usage: lets Bedrock deliver invocation logs to CloudWatch Logs in " + props.Region),
			AssumedBy:   bedrockPrincipal(props.Account, props.Region),
			InlinePolicies: &map[string]awsiam.PolicyDocument{
				"DeliverInvocationLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
					Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
						Resources: jsii.Strings("arn:aws:logs:" + props.Region + ":" + props.Account + ":log-group:" +
							CloudWatchLogGroupName + ":log-stream:" + bedrockLogStream),
					})},
				}),
			},
		})
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("PassDeliveryRoleToBedrock"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &[]*string{il.DeliveryRole.RoleArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": BedrockServicePrincipal}},
		}))
		loggingConfig["cloudWatchConfig"] = map[string]any{
			"logGroupName": CloudWatchLogGroupName,
			"roleArn":      il.DeliveryRole.RoleArn(),
		}
	}

	call := &customresources.AwsSdkCall{
		Service:            jsii.String("bedrock"),
		Action:             jsii.String("PutModelInvocationLoggingConfiguration"),
		Parameters:         map[string]any{"loggingConfig": loggingConfig},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String("bedrock-invocation-logging-" + props.Region)),
	}
	il.Resource = customresources.NewAwsCustomResource(c, jsii.String("Configuration"), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::BedrockInvocationLogging"),
		OnCreate:     call,
		OnUpdate:     call,
		OnDelete: &customresources.AwsSdkCall{
			Service: jsii.String("bedrock"),
			Action:  jsii.String("DeleteModelInvocationLoggingConfiguration"),
		},
		Role:                il.Role,
		Policy:              customresources.AwsCustomResourcePolicy_FromStatements(&statements),
		LogGroup:            fnLogs,
		InstallLatestAwsSdk: jsii.Bool(false),
		Timeout:             awscdk.Duration_Minutes(jsii.Number(2)),
	})
	suppress(il.Resource, "AwsSolutions-IAM5", "The Bedrock model invocation logging configuration is a per-region account setting: its actions support no resource-level permissions, so IAM only accepts Resource \"*\".",
		"Resource::*")
	for _, d := range props.DependsOn {
		il.Resource.Node().AddDependency(d)
	}
	if il.LogGroup != nil {
		il.Resource.Node().AddDependency(il.LogGroup)
	}
	return il
}
