package health

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// PolicySimulator is the IAM call `roles verify` makes.
type PolicySimulator interface {
	SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, optFns ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
}

var _ PolicySimulator = (*iam.Client)(nil)

// RoleCase is one question put to IAM about a role: may it do Action on Resource (in
// Context), and what the deployment means the answer to be.
type RoleCase struct {
	Role     string // role name
	Action   string
	Resource string
	// What says in words what the case is ("claude in us-east-1", "outside the regions").
	What    string
	Context map[string]string
	Allowed bool // the intended answer
	// Got is IAM's answer ("allowed", "implicitDeny", "explicitDeny"), filled by VerifyRoles.
	Got string
}

// OK reports whether IAM answered as intended: allowed for an intended allow, an implicit
// or explicit deny for an intended deny; no answer is never as intended.
func (c RoleCase) OK() bool {
	switch iamtypes.PolicyEvaluationDecisionType(c.Got) {
	case iamtypes.PolicyEvaluationDecisionTypeAllowed:
		return c.Allowed
	case iamtypes.PolicyEvaluationDecisionTypeImplicitDeny, iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
		return !c.Allowed
	}
	return false
}

// RoleSpec is what the deployment grants: the account, its regions, applications and model
// families.
type RoleSpec struct {
	Account  string
	Regions  []string
	Apps     []string
	Families []string
	// ReportingRole is the reporting role's name (deployment.ReportingRoleName by default).
	ReportingRole string
	// LogPrefix is the logs' key prefix (deployment.LogPrefix by default); LogBuckets the log
	// bucket of a region that uses an existing one (the CDK app's name otherwise).
	LogPrefix  string
	LogBuckets map[string]string
}

// outsideRegion is a region that is not one of regions, for the cases that must be denied.
func outsideRegion(regions []string) string {
	for _, r := range []string{"sa-east-1", "af-south-1", "me-central-1", "ca-west-1"} {
		if !slices.Contains(regions, r) {
			return r
		}
	}
	return "xx-nowhere-1"
}

// outsideFamily is a model family that is not one of families.
func outsideFamily(families []string) string {
	for _, f := range []string{"cohere.command", "ai21.jamba", "mistral.mistral", "writer.palmyra"} {
		if !slices.Contains(families, f) {
			return f
		}
	}
	return "example.none"
}

// geoPrefix is the geographic inference profile prefix of a region ("us", "eu", "apac").
func geoPrefix(region string) string {
	switch g, _, _ := strings.Cut(region, "-"); g {
	case "ap":
		return "apac"
	case "us", "eu", "ca":
		return g
	default:
		return "global"
	}
}

// RoleCases are the questions `roles verify` asks: for each application role, that it may
// invoke each configured family's foundation models and inference profiles in each
// configured region (both invoke actions), in another region only through a configured
// region's profile, and that it may not invoke another family or outside the regions; for
// the reporting role, that it may read the logs but not the offloaded bodies, write only
// under the Athena results prefix, and invoke nothing.
func RoleCases(spec RoleSpec) []RoleCase {
	acct := spec.Account
	var out []RoleCase
	outR, outF := outsideRegion(spec.Regions), outsideFamily(spec.Families)
	model := func(region, family string) string {
		return "arn:aws:bedrock:" + region + "::foundation-model/" + family + "-example-v1:0"
	}
	for _, app := range spec.Apps {
		role := deployment.AppRoleName(app)
		for _, r := range spec.Regions {
			profile := "arn:aws:bedrock:" + r + ":" + acct + ":inference-profile/" + geoPrefix(r) + "."
			for _, f := range spec.Families {
				for _, a := range []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"} {
					out = append(out,
						RoleCase{Role: role, Action: a, Resource: model(r, f), What: f + " in " + r, Allowed: true},
						RoleCase{Role: role, Action: a, Resource: profile + f + "-example-v1:0", What: f + " through a " + r + " inference profile", Allowed: true})
				}
				out = append(out, RoleCase{Role: role, Action: "bedrock:InvokeModel", Resource: model(outR, f), What: f + " in " + outR + " through a " + r + " profile (cross-region inference)",
					Context: map[string]string{"bedrock:InferenceProfileArn": profile + f + "-example-v1:0"}, Allowed: true})
			}
			out = append(out, RoleCase{Role: role, Action: "bedrock:InvokeModel", Resource: model(r, outF), What: outF + " (not a configured family) in " + r, Allowed: false})
		}
		for _, f := range spec.Families {
			out = append(out, RoleCase{Role: role, Action: "bedrock:InvokeModel", Resource: model(outR, f), What: f + " in " + outR + " (not a configured region), directly", Allowed: false})
		}
	}
	role := spec.ReportingRole
	if role == "" {
		role = deployment.ReportingRoleName
	}
	inAcct := map[string]string{"s3:ResourceAccount": acct}
	for _, r := range spec.Regions {
		bucket, prefix := spec.LogBuckets[r], spec.LogPrefix
		if bucket == "" {
			bucket = deployment.LogBucketName(acct, r)
		}
		if prefix == "" {
			prefix = deployment.LogPrefix
		}
		logs := "arn:aws:s3:::" + bucket + "/" + prefix + "AWSLogs/" + acct + "/BedrockModelInvocationLogs/" + r + "/2025/11/03/09/"
		results := "arn:aws:s3:::" + deployment.AnalyticsBucketName(acct, r) + "/"
		out = append(out,
			RoleCase{Role: role, Action: "s3:GetObject", Resource: logs + "example.json.gz", What: "read the logs in " + r, Context: inAcct, Allowed: true},
			RoleCase{Role: role, Action: "s3:GetObject", Resource: logs + "data/example_input.json.gz", What: "read an offloaded body in " + r, Context: inAcct, Allowed: false},
			RoleCase{Role: role, Action: "s3:PutObject", Resource: results + deployment.ResultsPrefix + "example.csv", What: "write Athena results in " + r, Context: inAcct, Allowed: true},
			RoleCase{Role: role, Action: "s3:PutObject", Resource: results + "elsewhere/example.csv", What: "write outside the results prefix in " + r, Context: inAcct, Allowed: false},
			RoleCase{Role: role, Action: "s3:PutObject", Resource: logs + "example.json.gz", What: "write into the logs in " + r, Context: inAcct, Allowed: false},
			RoleCase{Role: role, Action: "bedrock:InvokeModel", Resource: model(r, spec.Families[0]), What: "invoke a model in " + r, Allowed: false},
		)
	}
	return out
}

// VerifyRoles asks IAM (SimulatePrincipalPolicy) each case's question, batched per role and
// context, and returns the cases with IAM's answers.
func VerifyRoles(ctx context.Context, sim PolicySimulator, account string, cases []RoleCase) ([]RoleCase, error) {
	type batch struct {
		role    string
		context string
		idx     []int
	}
	var batches []*batch
	byKey := map[string]*batch{}
	for i, c := range cases {
		var kv []string
		for k, v := range c.Context {
			kv = append(kv, k+"="+v)
		}
		slices.Sort(kv)
		key := c.Role + "\x00" + strings.Join(kv, "\x00")
		b := byKey[key]
		if b == nil {
			b = &batch{role: c.Role, context: strings.Join(kv, "\x00")}
			byKey[key] = b
			batches = append(batches, b)
		}
		b.idx = append(b.idx, i)
	}
	out := slices.Clone(cases)
	for _, b := range batches {
		var actions, resources []string
		for _, i := range b.idx {
			if !slices.Contains(actions, cases[i].Action) {
				actions = append(actions, cases[i].Action)
			}
			if !slices.Contains(resources, cases[i].Resource) {
				resources = append(resources, cases[i].Resource)
			}
		}
		in := &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: aws.String("arn:aws:iam::" + account + ":role/" + b.role),
			ActionNames:     actions, ResourceArns: resources,
		}
		for k, v := range cases[b.idx[0]].Context {
			in.ContextEntries = append(in.ContextEntries, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{v}})
		}
		slices.SortFunc(in.ContextEntries, func(a, b iamtypes.ContextEntry) int {
			return strings.Compare(aws.ToString(a.ContextKeyName), aws.ToString(b.ContextKeyName))
		})
		answers := map[string]string{}
		p := iam.NewSimulatePrincipalPolicyPaginator(sim, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("simulating %s: %w", b.role, err)
			}
			// IAM answers one result per action, its decision the most restrictive over the
			// resources, with each resource's own decision in ResourceSpecificResults (an
			// older answer had one result per action and resource).
			for _, r := range page.EvaluationResults {
				action := aws.ToString(r.EvalActionName)
				if name := aws.ToString(r.EvalResourceName); name != "" && name != "*" {
					answers[action+"\x00"+name] = string(r.EvalDecision)
				}
				for _, rr := range r.ResourceSpecificResults {
					answers[action+"\x00"+aws.ToString(rr.EvalResourceName)] = string(rr.EvalResourceDecision)
				}
			}
		}
		for _, i := range b.idx {
			got, ok := answers[cases[i].Action+"\x00"+cases[i].Resource]
			if !ok {
				got = "no answer"
			}
			out[i].Got = got
		}
	}
	return out, nil
}
