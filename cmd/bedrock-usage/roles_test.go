package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeIAM answers SimulatePrincipalPolicy (the query protocol) from a model of the policies
// the CDK app writes, worked out here apart from the code under test: an application role
// invokes the families' models and profiles in the regions, and any region's models through
// a profile of one of them; the reporting role reads log objects but no body, and writes
// only Athena results. leak lets one role invoke one more family (a misconfigured role).
func fakeIAM(t *testing.T, regions, families []string, leak map[string]string, logs map[string]string, calls *int) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	inRegions := func(arn string) bool {
		parts := strings.Split(arn, ":")
		return len(parts) > 3 && slices.Contains(regions, parts[3])
	}
	family := func(arn string, fams []string) bool {
		_, id, _ := strings.Cut(arn, "/")
		if _, rest, ok := strings.Cut(id, "."); ok && strings.Contains(arn, ":inference-profile/") {
			id = rest // us.anthropic.claude-… → anthropic.claude-…
		}
		return slices.ContainsFunc(fams, func(f string) bool { return strings.HasPrefix(id, f) })
	}
	decide := func(role, action, res string, ctx map[string]string) string {
		switch {
		case strings.HasSuffix(role, "-BedrockRole") && strings.HasPrefix(action, "bedrock:InvokeModel"):
			fams := families
			if f, ok := leak[role]; ok {
				fams = append(slices.Clone(families), f)
			}
			if family(res, fams) && (inRegions(res) || (strings.Contains(res, ":foundation-model/") && inRegions(ctx["bedrock:InferenceProfileArn"]))) {
				return "allowed"
			}
		case role == "BedrockUsage-Reporting" && ctx["s3:ResourceAccount"] == "123456789012":
			if strings.Contains(res, "/data/") {
				return "explicitDeny"
			}
			if action == "s3:GetObject" {
				for _, r := range regions {
					where := "bedrock-logs-123456789012-" + r + "/bedrock-logs/"
					if l, ok := logs[r]; ok {
						where = l
					}
					if strings.HasPrefix(res, "arn:aws:s3:::"+where) {
						return "allowed"
					}
				}
			}
			if action == "s3:PutObject" && strings.HasPrefix(res, "arn:aws:s3:::bedrock-analytics-123456789012-") && strings.Contains(res, "/athena-results/") {
				return "allowed"
			}
		}
		return "implicitDeny"
	}
	type resourceResult struct {
		EvalResourceName     string
		EvalResourceDecision string
	}
	type member struct {
		EvalActionName          string
		EvalResourceName        string
		EvalDecision            string
		ResourceSpecificResults []resourceResult `xml:"ResourceSpecificResults>member"`
	}
	type result struct {
		XMLName xml.Name `xml:"SimulatePrincipalPolicyResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Result  struct {
			IsTruncated       bool
			EvaluationResults []member `xml:"EvaluationResults>member"`
		} `xml:"SimulatePrincipalPolicyResult"`
	}
	list := func(v url.Values, name string) []string {
		var out []string
		for i := 1; v.Get(fmt.Sprintf("%s.member.%d", name, i)) != ""; i++ {
			out = append(out, v.Get(fmt.Sprintf("%s.member.%d", name, i)))
		}
		return out
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		v := r.PostForm
		w.Header().Set("Content-Type", "text/xml")
		if v.Get("Action") == "GetCallerIdentity" {
			fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/Admin/x</Arn><UserId>A:x</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
			return
		}
		if v.Get("Action") != "SimulatePrincipalPolicy" {
			http.Error(w, "unexpected "+v.Get("Action"), http.StatusBadRequest)
			return
		}
		mu.Lock()
		*calls++
		mu.Unlock()
		role := v.Get("PolicySourceArn")[strings.LastIndex(v.Get("PolicySourceArn"), "/")+1:]
		ctx := map[string]string{}
		for i := 1; v.Get(fmt.Sprintf("ContextEntries.member.%d.ContextKeyName", i)) != ""; i++ {
			ctx[v.Get(fmt.Sprintf("ContextEntries.member.%d.ContextKeyName", i))] = v.Get(fmt.Sprintf("ContextEntries.member.%d.ContextKeyValues.member.1", i))
		}
		res := result{Xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"}
		// as IAM answers: one result per action, the most restrictive decision over the
		// resources, each resource's own in ResourceSpecificResults
		rank := map[string]int{"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}
		for _, a := range list(v, "ActionNames") {
			m := member{EvalActionName: a, EvalResourceName: "*", EvalDecision: "allowed"}
			for _, rs := range list(v, "ResourceArns") {
				d := decide(role, a, rs, ctx)
				m.ResourceSpecificResults = append(m.ResourceSpecificResults, resourceResult{rs, d})
				if rank[d] > rank[m.EvalDecision] {
					m.EvalDecision = d
				}
			}
			res.Result.EvaluationResults = append(res.Result.EvaluationResults, m)
		}
		xml.NewEncoder(w).Encode(res)
	}))
}

func TestRolesVerify(t *testing.T) {
	regions, families := []string{"us-east-1", "eu-central-1"}, []string{"anthropic.claude", "amazon.nova"}
	args := []string{"roles", "verify", "--region", "us-east-1,eu-central-1", "--app", "ChatbotApp,DataAnalysisApp", "--family", "anthropic.claude,amazon.nova", "--format", "json"}
	type doc struct {
		Schema, Account string
		Cases           []struct {
			Role, What, Action, Want, Got string
			OK                            bool
		}
		Unexpected int
	}
	run := func(leak, logs map[string]string, extra ...string) (doc, int, int) {
		t.Helper()
		var calls int
		srv := fakeIAM(t, regions, families, leak, logs, &calls)
		defer srv.Close()
		cli := newTestCLI(t)
		cli.withEndpoint(srv.URL)
		code := cli.run(append(slices.Clone(args), extra...)...)
		var d doc
		if err := json.Unmarshal(cli.out.Bytes(), &d); err != nil {
			t.Fatalf("exit %d, %v: %s %s", code, err, cli.out, cli.errOut)
		}
		return d, code, calls
	}
	d, code, calls := run(nil, nil)
	if code != exitOK || d.Unexpected != 0 || d.Schema != RolesSchema || d.Account != "123456789012" {
		t.Errorf("a deployment as intended: exit %d, %d unexpected, schema %q, account %q", code, d.Unexpected, d.Schema, d.Account)
	}
	// 2 apps × (2 regions × (2 families × 5 + 1) + 2 families) + 2 regions × 6 for the reporting role
	if want := 2*(2*(2*5+1)+2) + 2*6; len(d.Cases) != want {
		t.Errorf("got %d cases, want %d", len(d.Cases), want)
	}
	allowed := 0
	for _, c := range d.Cases {
		if c.Want == "allowed" {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(d.Cases) {
		t.Errorf("%d of %d cases are meant to be allowed: the matrix must test both ways", allowed, len(d.Cases))
	}
	// one call per role and context: per app role one without context and one per profile
	if calls > 2*(1+2*2)+2 {
		t.Errorf("%d SimulatePrincipalPolicy calls: the questions are not batched", calls)
	}

	d, code, _ = run(map[string]string{"ChatbotApp-BedrockRole": "cohere.command"}, nil)
	var bad []string
	for _, c := range d.Cases {
		if !c.OK {
			bad = append(bad, c.Role+" "+c.What)
		}
	}
	want := []string{"ChatbotApp-BedrockRole cohere.command (not a configured family) in us-east-1", "ChatbotApp-BedrockRole cohere.command (not a configured family) in eu-central-1"}
	if code != exitData || d.Unexpected != 2 || !slices.Equal(bad, want) {
		t.Errorf("a role that may invoke one family too many: exit %d, unexpected %d %q; want %d and %q", code, d.Unexpected, bad, exitData, want)
	}

	// an existing log bucket and another prefix: as the deployment was configured, or wrong
	// (the prefix is the deployment's, in every region)
	existing := map[string]string{"us-east-1": "acme-logs/team/", "eu-central-1": "bedrock-logs-123456789012-eu-central-1/team/"}
	if d, code, _ := run(nil, existing, "--log-bucket", "us-east-1=acme-logs", "--log-prefix", "team/"); code != exitOK || d.Unexpected != 0 {
		t.Errorf("with the existing bucket given: exit %d, %d unexpected", code, d.Unexpected)
	}
	if d, code, _ := run(nil, existing); code != exitData || d.Unexpected != 2 {
		t.Errorf("without it: exit %d, %d unexpected; want %d and 2 (reading the logs in each region)", code, d.Unexpected, exitData)
	}
}
