package invocationlog

import "strings"

// ModelKind tells which of the modelId forms a log record carries.
type ModelKind string

const (
	// ModelBare is a foundation model id: "anthropic.claude-3-haiku-20240307-v1:0".
	ModelBare ModelKind = "bare"
	// ModelProfile is a system inference profile id: "us.anthropic.claude-…".
	ModelProfile ModelKind = "inference-profile"
	// ModelProfileARN is a system inference profile ARN.
	ModelProfileARN ModelKind = "inference-profile-arn"
	// ModelFoundationARN is a foundation-model ARN.
	ModelFoundationARN ModelKind = "foundation-model-arn"
	// ModelAppProfileARN is an application inference profile ARN; its id is random, so the
	// base model is only known through bedrock:GetInferenceProfile or a configured mapping.
	ModelAppProfileARN ModelKind = "application-inference-profile-arn"
	// ModelOtherARN is any other ARN (provisioned throughput, custom or imported models…).
	ModelOtherARN ModelKind = "other-arn"
)

// ProfilePrefixes are the geographic and global prefixes of system inference profile ids
// that ParseModelID knows. The price book keeps the list it prices by (its
// "profile_prefixes", see ParseModelIDWith); a test checks that the two agree.
var ProfilePrefixes = []string{"us-gov", "us", "eu", "apac", "jp", "au", "ca", "in", "global"}

// ModelRef is a parsed modelId.
type ModelRef struct {
	Raw  string
	Kind ModelKind
	// Prefix is the inference-profile prefix ("us", "eu", "global", …), empty for in-region calls.
	Prefix string
	// Base is the foundation model id without prefix or ARN; empty for application inference
	// profiles and other ARNs.
	Base string
	// Region and Account come from an ARN form.
	Region, Account string
	// Resource is the ARN's resource id (the application inference profile id, for example).
	Resource string
}

// Global reports whether the call went through a global cross-region inference profile.
func (m ModelRef) Global() bool { return m.Prefix == "global" }

// ParseModelID parses every modelId form found in invocation logs. It never fails and never
// allocates: an id it does not recognise is returned as a bare id, an ARN that is not a
// Bedrock model or inference profile ARN as ModelOtherARN.
//
//	anthropic.claude-3-haiku-20240307-v1:0                                          bare
//	us.anthropic.claude-3-5-haiku-20241022-v1:0 (us-gov. eu. apac. jp. au. ca. global.) inference-profile
//	arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.…        inference-profile-arn
//	arn:aws:bedrock:us-east-1::foundation-model/anthropic.…                        foundation-model-arn
//	arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4  application-inference-profile-arn
//	arn:aws:bedrock:us-east-1:111122223333:provisioned-model/…, custom-model/…, …  other-arn
func ParseModelID(id string) ModelRef { return ParseModelIDWith(id, ProfilePrefixes) }

// ParseModelIDWith is ParseModelID with another list of inference-profile prefixes.
func ParseModelIDWith(id string, prefixes []string) ModelRef {
	ref := ModelRef{Raw: id, Kind: ModelBare}
	rest := id
	if arn, ok := strings.CutPrefix(id, "arn:"); ok {
		// arn:partition:bedrock:region:account:resource-type/resource-id
		ref.Kind = ModelOtherARN
		var f [4]string // partition, service, region, account
		for n := range f {
			i := strings.IndexByte(arn, ':')
			if i < 0 {
				return ref
			}
			f[n], arn = arn[:i], arn[i+1:]
		}
		ref.Region, ref.Account = f[2], f[3]
		typ, res, _ := strings.Cut(arn, "/")
		ref.Resource = res
		if f[1] != "bedrock" || res == "" {
			return ref
		}
		switch typ {
		case "inference-profile":
			ref.Kind = ModelProfileARN
			rest = res
		case "foundation-model":
			ref.Kind = ModelFoundationARN
			rest = res
		case "application-inference-profile":
			ref.Kind = ModelAppProfileARN
			return ref
		default:
			return ref
		}
	}
	if p, base, ok := strings.Cut(rest, "."); ok && base != "" {
		for _, pre := range prefixes {
			if p == pre {
				ref.Prefix = pre
				rest = base
				if ref.Kind == ModelBare {
					ref.Kind = ModelProfile
				}
				break
			}
		}
	}
	ref.Base = rest
	return ref
}

// BaseModelID is ParseModelID(id).Base, or id itself when it has no base model.
func BaseModelID(id string) string {
	if b := ParseModelID(id).Base; b != "" {
		return b
	}
	return id
}
