// Package loggingconfig is the handler of the regional stacks' Custom::BedrockInvocationLogging
// resource: the Lambda function that sets a region's Bedrock model invocation logging
// configuration for CloudFormation without overwriting or switching off one it did not set.
// It imports no CDK or jsii (cmd/logging-handler is its Lambda binary; package infra builds
// that binary at synth time and declares the function and the resource).
package loggingconfig

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"
)

// Config is a model invocation logging configuration in a form that compares with ==: an
// absent destination is its zero value and an absent flag is false, the way Bedrock treats
// them.
type Config struct {
	S3         S3
	CloudWatch CloudWatch
	Text       bool
	Image      bool
	Embedding  bool
	Video      bool
	Audio      bool
}

// S3 is an S3 destination; an empty Bucket is none.
type S3 struct {
	Bucket, Prefix string
}

// CloudWatch is a CloudWatch Logs destination; an empty LogGroup is none. LargeData is the
// S3 location Bedrock puts bodies too large for CloudWatch Logs in.
type CloudWatch struct {
	LogGroup, RoleArn string
	LargeData         S3
}

// IsZero reports whether c is no configuration at all.
func (c Config) IsZero() bool { return c == Config{} }

// String describes c for a reason shown in the CloudFormation console.
func (c Config) String() string {
	if c.IsZero() {
		return "no logging configuration"
	}
	var parts []string
	if c.S3.Bucket != "" {
		parts = append(parts, "S3 bucket "+strconv.Quote(c.S3.Bucket)+" prefix "+strconv.Quote(c.S3.Prefix))
	}
	if c.CloudWatch.LogGroup != "" {
		cw := "CloudWatch Logs group " + strconv.Quote(c.CloudWatch.LogGroup) + " (role " + c.CloudWatch.RoleArn + ")"
		if c.CloudWatch.LargeData.Bucket != "" {
			cw += " with large data in bucket " + strconv.Quote(c.CloudWatch.LargeData.Bucket) + " prefix " + strconv.Quote(c.CloudWatch.LargeData.Prefix)
		}
		parts = append(parts, cw)
	}
	var data []string
	for _, f := range []struct {
		on   bool
		name string
	}{{c.Text, "text"}, {c.Image, "image"}, {c.Embedding, "embedding"}, {c.Video, "video"}, {c.Audio, "audio"}} {
		if f.on {
			data = append(data, f.name)
		}
	}
	if len(data) == 0 {
		data = append(data, "none")
	}
	return strings.Join(parts, ", ") + "; data types: " + strings.Join(data, ", ")
}

// FromSDK converts Bedrock's configuration (nil: none).
func FromSDK(l *types.LoggingConfig) Config {
	if l == nil {
		return Config{}
	}
	c := Config{
		Text:      aws.ToBool(l.TextDataDeliveryEnabled),
		Image:     aws.ToBool(l.ImageDataDeliveryEnabled),
		Embedding: aws.ToBool(l.EmbeddingDataDeliveryEnabled),
		Video:     aws.ToBool(l.VideoDataDeliveryEnabled),
		Audio:     aws.ToBool(l.AudioDataDeliveryEnabled),
	}
	if s := l.S3Config; s != nil {
		c.S3 = S3{aws.ToString(s.BucketName), aws.ToString(s.KeyPrefix)}
	}
	if cw := l.CloudWatchConfig; cw != nil {
		c.CloudWatch = CloudWatch{LogGroup: aws.ToString(cw.LogGroupName), RoleArn: aws.ToString(cw.RoleArn)}
		if s := cw.LargeDataDeliveryS3Config; s != nil {
			c.CloudWatch.LargeData = S3{aws.ToString(s.BucketName), aws.ToString(s.KeyPrefix)}
		}
	}
	return c
}

// SDK is c as PutModelInvocationLoggingConfiguration's input. The four data types Bedrock
// has always had are sent explicitly; audio only when on.
func (c Config) SDK() *types.LoggingConfig {
	l := &types.LoggingConfig{
		TextDataDeliveryEnabled:      aws.Bool(c.Text),
		ImageDataDeliveryEnabled:     aws.Bool(c.Image),
		EmbeddingDataDeliveryEnabled: aws.Bool(c.Embedding),
		VideoDataDeliveryEnabled:     aws.Bool(c.Video),
	}
	if c.Audio {
		l.AudioDataDeliveryEnabled = aws.Bool(true)
	}
	s3 := func(s S3) *types.S3Config {
		out := &types.S3Config{BucketName: aws.String(s.Bucket)}
		if s.Prefix != "" {
			out.KeyPrefix = aws.String(s.Prefix)
		}
		return out
	}
	if c.S3.Bucket != "" {
		l.S3Config = s3(c.S3)
	}
	if c.CloudWatch.LogGroup != "" {
		l.CloudWatchConfig = &types.CloudWatchConfig{LogGroupName: aws.String(c.CloudWatch.LogGroup), RoleArn: aws.String(c.CloudWatch.RoleArn)}
		if c.CloudWatch.LargeData.Bucket != "" {
			l.CloudWatchConfig.LargeDataDeliveryS3Config = s3(c.CloudWatch.LargeData)
		}
	}
	return l
}

// flexBool decodes a JSON boolean or CloudFormation's rendering of one as a string.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*b = false
	case bool:
		*b = flexBool(v)
	case string:
		p, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", v)
		}
		*b = flexBool(p)
	default:
		return fmt.Errorf("want true or false, got %s", data)
	}
	return nil
}

// apiConfig is the API's JSON shape of a logging configuration (the resource property
// LoggingConfig, and the legacy AwsCustomResource's parameters.loggingConfig).
type apiConfig struct {
	S3Config *struct {
		BucketName string `json:"bucketName"`
		KeyPrefix  string `json:"keyPrefix"`
	} `json:"s3Config"`
	CloudWatchConfig *struct {
		LogGroupName              string `json:"logGroupName"`
		RoleArn                   string `json:"roleArn"`
		LargeDataDeliveryS3Config *struct {
			BucketName string `json:"bucketName"`
			KeyPrefix  string `json:"keyPrefix"`
		} `json:"largeDataDeliveryS3Config"`
	} `json:"cloudWatchConfig"`
	Text      flexBool `json:"textDataDeliveryEnabled"`
	Image     flexBool `json:"imageDataDeliveryEnabled"`
	Embedding flexBool `json:"embeddingDataDeliveryEnabled"`
	Video     flexBool `json:"videoDataDeliveryEnabled"`
	Audio     flexBool `json:"audioDataDeliveryEnabled"`
}

func (a apiConfig) config() Config {
	c := Config{Text: bool(a.Text), Image: bool(a.Image), Embedding: bool(a.Embedding), Video: bool(a.Video), Audio: bool(a.Audio)}
	if s := a.S3Config; s != nil {
		c.S3 = S3{s.BucketName, s.KeyPrefix}
	}
	if cw := a.CloudWatchConfig; cw != nil {
		c.CloudWatch = CloudWatch{LogGroup: cw.LogGroupName, RoleArn: cw.RoleArn}
		if s := cw.LargeDataDeliveryS3Config; s != nil {
			c.CloudWatch.LargeData = S3{s.BucketName, s.KeyPrefix}
		}
	}
	return c
}

// Property names of the resource (see package infra).
const (
	PropLoggingConfig   = "LoggingConfig"
	PropReplaceExisting = "ReplaceExistingLogging"
)

// Properties are the resource's properties.
type Properties struct {
	// Desired is the configuration the stack sets.
	Desired Config
	// ReplaceExisting lets a create replace a different existing configuration (it is
	// restored on delete).
	ReplaceExisting bool
	// Legacy: the properties are those of the AwsCustomResource of earlier versions
	// (Create/Update/Delete SDK calls as JSON strings), which put the configuration on
	// create and update.
	Legacy bool
}

// ParseProperties reads the resource's properties, the current shape or the legacy one.
func ParseProperties(p map[string]any) (Properties, error) {
	if p == nil {
		return Properties{}, fmt.Errorf("no resource properties")
	}
	if _, ok := p[PropLoggingConfig]; !ok {
		if s, ok := p["Create"].(string); ok {
			return parseLegacy(s)
		}
		return Properties{}, fmt.Errorf("no %s property", PropLoggingConfig)
	}
	b, err := json.Marshal(p[PropLoggingConfig])
	if err != nil {
		return Properties{}, fmt.Errorf("%s: %w", PropLoggingConfig, err)
	}
	var a apiConfig
	if err := json.Unmarshal(b, &a); err != nil {
		return Properties{}, fmt.Errorf("%s: %w", PropLoggingConfig, err)
	}
	out := Properties{Desired: a.config()}
	if out.Desired.S3.Bucket == "" && out.Desired.CloudWatch.LogGroup == "" {
		return Properties{}, fmt.Errorf("%s has neither s3Config.bucketName nor cloudWatchConfig.logGroupName", PropLoggingConfig)
	}
	if v, ok := p[PropReplaceExisting]; ok {
		b, _ := json.Marshal(v)
		var r flexBool
		if err := json.Unmarshal(b, &r); err != nil {
			return Properties{}, fmt.Errorf("%s: %w", PropReplaceExisting, err)
		}
		out.ReplaceExisting = bool(r)
	}
	return out, nil
}

// parseLegacy reads the configuration from an AwsCustomResource's Create call,
// {"service":"bedrock","action":"PutModelInvocationLoggingConfiguration","parameters":{"loggingConfig":{…}},…}.
func parseLegacy(create string) (Properties, error) {
	var call struct {
		Service    string `json:"service"`
		Action     string `json:"action"`
		Parameters struct {
			LoggingConfig apiConfig `json:"loggingConfig"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(create), &call); err != nil {
		return Properties{}, fmt.Errorf("legacy Create property: %w", err)
	}
	if !strings.EqualFold(call.Service, "bedrock") || call.Action != "PutModelInvocationLoggingConfiguration" {
		return Properties{}, fmt.Errorf("legacy Create property calls %s %s, not bedrock PutModelInvocationLoggingConfiguration", call.Service, call.Action)
	}
	return Properties{Desired: call.Parameters.LoggingConfig.config(), Legacy: true}, nil
}

// compact is Config with short JSON keys, for the physical resource ID.
type compact struct {
	B  string `json:"b,omitempty"`  // S3 bucket
	P  string `json:"p,omitempty"`  // S3 prefix
	G  string `json:"g,omitempty"`  // CloudWatch log group
	R  string `json:"r,omitempty"`  // CloudWatch role
	LB string `json:"lb,omitempty"` // large data bucket
	LP string `json:"lp,omitempty"` // large data prefix
	// F are the data types, a letter each: t(ext) i(mage) e(mbedding) v(ideo) a(udio).
	F string `json:"f,omitempty"`
}

const flagLetters = "tieva"

func (c Config) flags() []bool { return []bool{c.Text, c.Image, c.Embedding, c.Video, c.Audio} }

// Encode is c as base64url (no padding) of its compact JSON.
func (c Config) Encode() string {
	v := compact{B: c.S3.Bucket, P: c.S3.Prefix, G: c.CloudWatch.LogGroup, R: c.CloudWatch.RoleArn, LB: c.CloudWatch.LargeData.Bucket, LP: c.CloudWatch.LargeData.Prefix}
	for i, on := range c.flags() {
		if on {
			v.F += flagLetters[i : i+1]
		}
	}
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reverses Encode.
func Decode(s string) (Config, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Config{}, fmt.Errorf("decoding configuration: %w", err)
	}
	var v compact
	if err := json.Unmarshal(b, &v); err != nil {
		return Config{}, fmt.Errorf("decoding configuration: %w", err)
	}
	c := Config{S3: S3{v.B, v.P}, CloudWatch: CloudWatch{LogGroup: v.G, RoleArn: v.R, LargeData: S3{v.LB, v.LP}}}
	for _, r := range v.F {
		switch r {
		case 't':
			c.Text = true
		case 'i':
			c.Image = true
		case 'e':
			c.Embedding = true
		case 'v':
			c.Video = true
		case 'a':
			c.Audio = true
		default:
			return Config{}, fmt.Errorf("decoding configuration: unknown data type %q", r)
		}
	}
	return c, nil
}

// JSON is c in the API's JSON shape (for the resource's Data).
func (c Config) JSON() string {
	if c.IsZero() {
		return ""
	}
	b, _ := json.Marshal(c.SDKJSON())
	return string(b)
}

// SDKJSON is c in the API's JSON shape as a map.
func (c Config) SDKJSON() map[string]any {
	m := map[string]any{
		"textDataDeliveryEnabled": c.Text, "imageDataDeliveryEnabled": c.Image,
		"embeddingDataDeliveryEnabled": c.Embedding, "videoDataDeliveryEnabled": c.Video,
	}
	if c.Audio {
		m["audioDataDeliveryEnabled"] = true
	}
	if c.S3.Bucket != "" {
		m["s3Config"] = map[string]any{"bucketName": c.S3.Bucket, "keyPrefix": c.S3.Prefix}
	}
	if c.CloudWatch.LogGroup != "" {
		cw := map[string]any{"logGroupName": c.CloudWatch.LogGroup, "roleArn": c.CloudWatch.RoleArn}
		if c.CloudWatch.LargeData.Bucket != "" {
			cw["largeDataDeliveryS3Config"] = map[string]any{"bucketName": c.CloudWatch.LargeData.Bucket, "keyPrefix": c.CloudWatch.LargeData.Prefix}
		}
		m["cloudWatchConfig"] = cw
	}
	return m
}
