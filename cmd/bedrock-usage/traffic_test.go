package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/shopspring/decimal"
)

// fakeRuntime answers STS AssumeRole and the four Bedrock runtime operations (REST-JSON, and
// AWS event streams for the streaming two) with fixed token counts, and records what it was
// asked; a model in denied answers AccessDeniedException.
type fakeRuntime struct {
	mu       sync.Mutex
	sessions []string // role ARN / session name
	ops      map[string]int
	metadata int // Converse calls that carried requestMetadata
	in, out  int64
	denied   string
	inTokens int64
}

func (f *fakeRuntime) server(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.URL.Path == "/" {
			v, _ := url.ParseQuery(string(body))
			w.Header().Set("Content-Type", "text/xml")
			switch v.Get("Action") {
			case "GetCallerIdentity":
				fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/Admin/x</Arn><UserId>A:x</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
			case "AssumeRole":
				f.sessions = append(f.sessions, v.Get("RoleArn")+" / "+v.Get("RoleSessionName"))
				fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIATEST</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>`+v.Get("RoleArn")+`</Arn><AssumedRoleId>AROA:`+v.Get("RoleSessionName")+`</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`)
			default:
				http.Error(w, "unexpected", http.StatusBadRequest)
			}
			return
		}
		// /model/{id}/{operation}
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/model/"), "/")
		model, _ := url.PathUnescape(parts[0])
		op := parts[len(parts)-1]
		if f.ops == nil {
			f.ops = map[string]int{}
		}
		f.ops[op]++
		if model == f.denied {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"not allowed"}`)
			return
		}
		in, out := f.inTokens, int64(5)
		f.in += in
		f.out += out
		enc := eventstream.NewEncoder()
		event := func(typ string, payload string) {
			var h eventstream.Headers
			h.Set(":message-type", eventstream.StringValue("event"))
			h.Set(":event-type", eventstream.StringValue(typ))
			h.Set(":content-type", eventstream.StringValue("application/json"))
			enc.Encode(w, eventstream.Message{Headers: h, Payload: []byte(payload)})
		}
		switch op {
		case "converse":
			if strings.Contains(string(body), `"requestMetadata"`) {
				f.metadata++
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn","usage":{"inputTokens":%d,"outputTokens":%d,"totalTokens":%d},"metrics":{"latencyMs":10}}`, in, out, in+out)
		case "converse-stream":
			if strings.Contains(string(body), `"requestMetadata"`) {
				f.metadata++
			}
			w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
			event("messageStart", `{"role":"assistant"}`)
			event("contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"ok"}}`)
			event("messageStop", `{"stopReason":"end_turn"}`)
			event("metadata", fmt.Sprintf(`{"usage":{"inputTokens":%d,"outputTokens":%d,"totalTokens":%d},"metrics":{"latencyMs":10}}`, in, out, in+out))
		case "invoke":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"msg","type":"message","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":%d,"output_tokens":%d}}`, in, out)
		case "invoke-with-response-stream":
			w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
			chunk := func(s string) {
				b, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString([]byte(s))})
				event("chunk", string(b))
			}
			chunk(fmt.Sprintf(`{"type":"message_start","message":{"usage":{"input_tokens":%d,"output_tokens":1}}}`, in))
			chunk(`{"type":"content_block_delta","delta":{"type":"text_delta","text":"ok"}}`)
			chunk(fmt.Sprintf(`{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":%d,"outputTokenCount":%d}}`, in, out))
		default:
			http.Error(w, "unexpected "+op, http.StatusNotFound)
		}
	}))
}

func TestTraffic(t *testing.T) {
	args := []string{"traffic", "--region", "us-east-1", "--app", "ChatbotApp,DataAnalysisApp", "--user", "alice,bob",
		"--model", "us.anthropic.claude-haiku-4-5-20251001-v1:0,us.amazon.nova-micro-v1:0", "--calls", "2", "--format", "json"}
	type summary struct {
		Planned, Calls, OK int
		Failures           map[string]int
		Skipped            int    `json:"skipped_over_limit"`
		InputTokens        int64  `json:"input_tokens"`
		OutputTokens       int64  `json:"output_tokens"`
		Cost               string `json:"cost_usd"`
		Estimate           string `json:"estimate_usd"`
	}
	run := func(t *testing.T, f *fakeRuntime, extra ...string) (summary, int, *testCLI) {
		t.Helper()
		srv := f.server(t)
		t.Cleanup(srv.Close)
		cli := newTestCLI(t)
		cli.withEndpoint(srv.URL)
		code := cli.run(append(slices.Clone(args), extra...)...)
		var s summary
		if code == exitOK && !slices.Contains(extra, "--dry-run") {
			if err := json.Unmarshal(cli.out.Bytes(), &s); err != nil {
				t.Fatalf("%v: %s", err, cli.out)
			}
		}
		return s, code, cli
	}

	t.Run("dry run", func(t *testing.T) {
		f := &fakeRuntime{inTokens: 12}
		_, code, cli := run(t, f, "--dry-run")
		if code != exitOK || len(f.sessions) != 0 || len(f.ops) != 0 || !strings.Contains(cli.out.String(), "16 calls, estimated at most $") {
			t.Errorf("exit %d, %d sessions, ops %v, out %q: want the plan and no call", code, len(f.sessions), f.ops, cli.out)
		}
	})
	t.Run("a session name STS would refuse", func(t *testing.T) {
		f := &fakeRuntime{inTokens: 12}
		srv := f.server(t)
		defer srv.Close()
		cli := newTestCLI(t)
		cli.withEndpoint(srv.URL)
		if code := cli.run("traffic", "--user", "not a name!", "--format", "json"); code != exitUsage || len(f.sessions) != 0 {
			t.Errorf("exit %d, %d sessions: want %d before any call", code, len(f.sessions), exitUsage)
		}
	})
	t.Run("a plan over the limit", func(t *testing.T) {
		f := &fakeRuntime{inTokens: 12}
		_, code, cli := run(t, f, "--max-cost", "0.000001")
		if code != exitOverBudget || len(f.ops) != 0 || !strings.Contains(cli.errOut.String(), "nothing was called") {
			t.Errorf("exit %d, ops %v, stderr %q: want exit %d and no call", code, f.ops, cli.errOut, exitOverBudget)
		}
	})
	t.Run("the calls", func(t *testing.T) {
		f := &fakeRuntime{inTokens: 12, denied: "us.amazon.nova-micro-v1:0"}
		s, code, cli := run(t, f)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, cli.errOut)
		}
		wantSessions := []string{
			"arn:aws:iam::123456789012:role/ChatbotApp-BedrockRole / alice", "arn:aws:iam::123456789012:role/ChatbotApp-BedrockRole / bob",
			"arn:aws:iam::123456789012:role/DataAnalysisApp-BedrockRole / alice", "arn:aws:iam::123456789012:role/DataAnalysisApp-BedrockRole / bob",
		}
		if !slices.Equal(f.sessions, wantSessions) {
			t.Errorf("role sessions: got %q, want %q", f.sessions, wantSessions)
		}
		// 2 apps × 2 users × 2 models × 2 calls, cycling the four operations: half are nova, all denied
		if s.Planned != 16 || s.Calls != 16 || s.OK != 8 || s.Failures["AccessDeniedException"] != 8 {
			t.Errorf("got %+v, want 16 calls, 8 answered, 8 AccessDeniedException", s)
		}
		for _, op := range []string{"converse", "converse-stream", "invoke", "invoke-with-response-stream"} {
			if f.ops[op] == 0 {
				t.Errorf("no %s call (ops %v)", op, f.ops)
			}
		}
		if s.InputTokens != f.in || s.OutputTokens != f.out || f.in != 8*12 {
			t.Errorf("got %d input and %d output tokens; the answers reported %d and %d (want 96 in)", s.InputTokens, s.OutputTokens, f.in, f.out)
		}
		if f.metadata == 0 {
			t.Error("no Converse call carried requestMetadata")
		}
		cost, est := decimal.RequireFromString(s.Cost), decimal.RequireFromString(s.Estimate)
		if !cost.IsPositive() || cost.GreaterThan(est) {
			t.Errorf("cost %s, estimate %s: want a positive cost within the estimate", cost, est)
		}
	})
	t.Run("answers costlier than estimated stop the run", func(t *testing.T) {
		f := &fakeRuntime{inTokens: 2_000_000} // each answer says it read two million tokens
		s, code, cli := run(t, f, "--max-cost", "0.05")
		// the first answer alone passes the limit: no call is made after it
		if code != exitOK || s.Calls != 1 || s.Skipped != s.Planned-1 {
			t.Errorf("exit %d, %+v (%s): want one call made and the rest skipped at the limit", code, s, cli.errOut)
		}
		if c := decimal.RequireFromString(s.Cost); !c.GreaterThan(decimal.RequireFromString("0.05")) {
			t.Errorf("cost %s: the fake's answer should have cost more than the limit", c)
		}
	})
}
