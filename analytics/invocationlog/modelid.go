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

// ProfilePrefixes are the geographic and global prefixes of system inference profile ids.
var ProfilePrefixes = []string{"us-gov", "us", "eu", "apac", "jp", "au", "ca", "global"}

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

// ParseModelID parses every modelId form found in invocation logs. It never fails: an id it
// does not recognise is returned as a bare id.
func ParseModelID(id string) ModelRef {
	ref := ModelRef{Raw: id, Kind: ModelBare}
	rest := id
	if strings.HasPrefix(id, "arn:") {
		// arn:partition:bedrock:region:account:resource-type/resource-id
		parts := strings.SplitN(id, ":", 6)
		if len(parts) < 6 {
			ref.Kind = ModelOtherARN
			return ref
		}
		ref.Region, ref.Account = parts[3], parts[4]
		typ, res, _ := strings.Cut(parts[5], "/")
		ref.Resource = res
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
			ref.Kind = ModelOtherARN
			return ref
		}
	}
	if p, base, ok := strings.Cut(rest, "."); ok {
		for _, pre := range ProfilePrefixes {
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
