// Package traffic sends real test calls through the application roles, as the system this
// project replaces did, so that a new deployment's reports and dashboard have something to
// show and can be checked against what was sent: it assumes each application role with
// session names that become the report's users, calls Converse, ConverseStream,
// InvokeModel and InvokeModelWithResponseStream with short prompts and requestMetadata, and
// keeps to a hard cost limit worked out from the price book before any call is made.
package traffic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/shopspring/decimal"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// The operations a plan may call.
const (
	OpConverse       = "converse"
	OpConverseStream = "converse-stream"
	OpInvoke         = "invoke"
	OpInvokeStream   = "invoke-stream"
)

// Operations are the operations, in the order a plan cycles through them.
var Operations = []string{OpConverse, OpConverseStream, OpInvoke, OpInvokeStream}

// MaxOutputTokens is the most output a test call asks for; the estimate assumes it is all used.
const MaxOutputTokens = 64

// estimatedInputTokens bounds a test prompt's input tokens (the prompts are a sentence).
const estimatedInputTokens = 40

// prompts are the short prompts the calls cycle through.
var prompts = []string{
	"Reply with one word: ready?",
	"Name a colour in one word.",
	"What is 2 + 3? Answer with the number only.",
	"Say hello in French, one word.",
}

// Call is one planned call.
type Call struct {
	App, User, Region, Model, Operation string
	Metadata                            map[string]string
	// Estimate is the most the call can cost (estimatedInputTokens in, MaxOutputTokens out).
	Estimate decimal.Decimal
}

// Spec is what to send.
type Spec struct {
	Account   string
	Apps      []string
	Users     []string // session names
	Regions   []string
	Models    []string // as logged: bare ids, geographic or global profiles
	Ops       []string
	PerCombo  int // calls for each app × user × region × model
	MaxCostUS decimal.Decimal
}

// Pricer prices a call (pricing.Book).
type Pricer interface {
	Cost(ctx context.Context, u pricing.Usage) (pricing.Cost, error)
}

var _ Pricer = (*pricing.Book)(nil)

// invokeFamily is the family whose InvokeModel body the plan can write for a model, or "".
func invokeFamily(model string) string {
	base := invocationlog.BaseModelID(model)
	switch {
	case strings.HasPrefix(base, "anthropic."):
		return "anthropic"
	case strings.HasPrefix(base, "amazon.nova"):
		return "nova"
	}
	return ""
}

// Plan lists the calls of spec with their estimates, cycling through the operations and
// prompts. A model the price book cannot price is an error: its calls could not be kept
// under the limit. InvokeModel calls of a model whose request body the plan does not know
// are made with Converse instead (said in the notes).
func Plan(ctx context.Context, spec Spec, p Pricer, now time.Time) ([]Call, []string, error) {
	var calls []Call
	var notes []string
	ops := spec.Ops
	if len(ops) == 0 {
		ops = Operations
	}
	n, combo := 0, 0
	for _, app := range spec.Apps {
		for _, user := range spec.Users {
			for _, region := range spec.Regions {
				for _, model := range spec.Models {
					c, err := p.Cost(ctx, pricing.Usage{ModelID: model, Region: region, Time: now, InputTokens: estimatedInputTokens, OutputTokens: MaxOutputTokens})
					var ue *pricing.UnpricedError
					if errors.As(err, &ue) {
						return nil, nil, fmt.Errorf("%s in %s: %s: no estimate, so no guard; choose a priced model (bedrock-usage pricing list)", model, region, ue.Reason)
					} else if err != nil {
						return nil, nil, err
					}
					// Each combination starts one operation further, so that every model
					// gets every operation however few calls each combination has.
					for j := range spec.PerCombo {
						op := ops[(j+combo)%len(ops)]
						if (op == OpInvoke || op == OpInvokeStream) && invokeFamily(model) == "" {
							note := fmt.Sprintf("%s: no InvokeModel body for this family, called with Converse instead", model)
							if !slices.Contains(notes, note) {
								notes = append(notes, note)
							}
							op = map[string]string{OpInvoke: OpConverse, OpInvokeStream: OpConverseStream}[op]
						}
						calls = append(calls, Call{App: app, User: user, Region: region, Model: model, Operation: op, Estimate: c.Total,
							Metadata: map[string]string{"team": "bedrock-usage-traffic", "tenant_id": fmt.Sprintf("tenant-%d", n%3+1), "environment": "test"}})
						n++
					}
					combo++
				}
			}
		}
	}
	return calls, notes, nil
}

// Total is the calls' estimated cost.
func Total(calls []Call) decimal.Decimal {
	t := decimal.Zero
	for _, c := range calls {
		t = t.Add(c.Estimate)
	}
	return t
}

// RoleAssumer is the STS call that makes a role session.
type RoleAssumer interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

var _ RoleAssumer = (*sts.Client)(nil)

// Runtime is the Bedrock runtime calls a plan makes.
type Runtime interface {
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
	ConverseStream(ctx context.Context, in *bedrockruntime.ConverseStreamInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseStreamOutput, error)
	InvokeModel(ctx context.Context, in *bedrockruntime.InvokeModelInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.InvokeModelOutput, error)
	InvokeModelWithResponseStream(ctx context.Context, in *bedrockruntime.InvokeModelWithResponseStreamInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.InvokeModelWithResponseStreamOutput, error)
}

var _ Runtime = (*bedrockruntime.Client)(nil)

// SessionNameRE is what a role session name may be (sts:AssumeRole's RoleSessionName).
var SessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// Result is what running a plan did.
type Result struct {
	Calls    int            // made (answered or failed)
	OK       int            // answered
	Failures map[string]int // by error code
	Skipped  int            // not made: the limit would have been passed
	// InputTokens and OutputTokens are what the answers reported.
	InputTokens, OutputTokens int64
	// Cost is the answered calls priced at what they reported, the failed ones at their
	// estimate (a failure may still have been billed for its input).
	Cost decimal.Decimal
}

// Options are what Run needs besides the plan.
type Options struct {
	Account string
	STS     RoleAssumer
	// RuntimeFor is the runtime client of a region with a role session's credentials (which
	// renew themselves, however long the run).
	RuntimeFor func(ctx context.Context, region string, creds aws.CredentialsProvider) (Runtime, error)
	Pricer     Pricer
	Now        func() time.Time
	MaxCost    decimal.Decimal
	// Progress, when set, is told of every call made.
	Progress func(done, total int, c Call, err error)
}

// Run makes the calls in order, one role session per application and user, and stops before
// a call whose estimate would take the cost so far (at the answers' own token counts) past
// MaxCost.
func Run(ctx context.Context, calls []Call, o Options) (Result, error) {
	res := Result{Failures: map[string]int{}}
	sessions := map[string]aws.CredentialsProvider{}
	clients := map[string]Runtime{}
	for i, c := range calls {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if res.Cost.Add(c.Estimate).GreaterThan(o.MaxCost) {
			res.Skipped = len(calls) - i
			break
		}
		key := c.App + "\x00" + c.User
		creds, ok := sessions[key]
		if !ok {
			role := "arn:aws:iam::" + o.Account + ":role/" + deployment.AppRoleName(c.App)
			p := stscreds.NewAssumeRoleProvider(o.STS, role, func(ao *stscreds.AssumeRoleOptions) {
				ao.RoleSessionName = c.User
				ao.Duration = 15 * time.Minute
			})
			cache := aws.NewCredentialsCache(p)
			// Assume the role now, so that a role that cannot be assumed stops the run before
			// its calls; the cache renews the session before it expires.
			if _, err := cache.Retrieve(ctx); err != nil {
				return res, fmt.Errorf("assuming %s as %s: %w", deployment.AppRoleName(c.App), c.User, err)
			}
			creds = cache
			sessions[key] = creds
		}
		ckey := key + "\x00" + c.Region
		rt, ok := clients[ckey]
		if !ok {
			var err error
			if rt, err = o.RuntimeFor(ctx, c.Region, creds); err != nil {
				return res, err
			}
			clients[ckey] = rt
		}
		in, out, err := call(ctx, rt, c, prompts[i%len(prompts)])
		res.Calls++
		if err != nil {
			code := "error"
			var ae smithy.APIError
			if errors.As(err, &ae) {
				code = ae.ErrorCode()
			}
			res.Failures[code]++
			res.Cost = res.Cost.Add(c.Estimate)
		} else {
			res.OK++
			res.InputTokens += in
			res.OutputTokens += out
			cost, perr := o.Pricer.Cost(ctx, pricing.Usage{ModelID: c.Model, Region: c.Region, Time: o.Now(), InputTokens: in, OutputTokens: out})
			if perr != nil || in+out == 0 {
				cost.Total = c.Estimate // an answer whose usage could not be read was still billed
			}
			res.Cost = res.Cost.Add(cost.Total)
		}
		if o.Progress != nil {
			o.Progress(i+1, len(calls), c, err)
		}
	}
	return res, nil
}

// call makes one call and returns the tokens its answer reports.
func call(ctx context.Context, rt Runtime, c Call, prompt string) (int64, int64, error) {
	msgs := []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: prompt}}}}
	cfg := &brtypes.InferenceConfiguration{MaxTokens: aws.Int32(MaxOutputTokens)}
	switch c.Operation {
	case OpConverse:
		out, err := rt.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(c.Model), Messages: msgs, InferenceConfig: cfg, RequestMetadata: c.Metadata})
		if err != nil {
			return 0, 0, err
		}
		if u := out.Usage; u != nil {
			return int64(aws.ToInt32(u.InputTokens)), int64(aws.ToInt32(u.OutputTokens)), nil
		}
		return 0, 0, nil
	case OpConverseStream:
		out, err := rt.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: aws.String(c.Model), Messages: msgs, InferenceConfig: cfg, RequestMetadata: c.Metadata})
		if err != nil {
			return 0, 0, err
		}
		st := out.GetStream()
		defer st.Close()
		var in, o int64
		for ev := range st.Events() {
			if m, ok := ev.(*brtypes.ConverseStreamOutputMemberMetadata); ok && m.Value.Usage != nil {
				in, o = int64(aws.ToInt32(m.Value.Usage.InputTokens)), int64(aws.ToInt32(m.Value.Usage.OutputTokens))
			}
		}
		return in, o, st.Err()
	case OpInvoke, OpInvokeStream:
		body, err := invokeBody(c.Model, prompt)
		if err != nil {
			return 0, 0, err
		}
		if c.Operation == OpInvoke {
			out, err := rt.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: aws.String(c.Model), Body: body, ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
			if err != nil {
				return 0, 0, err
			}
			in, o := usageOf(out.Body)
			return in, o, nil
		}
		out, err := rt.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{ModelId: aws.String(c.Model), Body: body, ContentType: aws.String("application/json"), Accept: aws.String("application/json")})
		if err != nil {
			return 0, 0, err
		}
		st := out.GetStream()
		defer st.Close()
		var in, o int64
		for ev := range st.Events() {
			if ch, ok := ev.(*brtypes.ResponseStreamMemberChunk); ok {
				if i, x := usageOf(ch.Value.Bytes); i > 0 || x > 0 {
					in, o = max(in, i), max(o, x)
				}
			}
		}
		return in, o, st.Err()
	}
	return 0, 0, fmt.Errorf("unknown operation %q", c.Operation)
}

// invokeBody is the InvokeModel request body of a model's family.
func invokeBody(model, prompt string) ([]byte, error) {
	switch invokeFamily(model) {
	case "anthropic":
		return json.Marshal(map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": MaxOutputTokens,
			"messages": []any{map[string]any{"role": "user", "content": prompt}}})
	case "nova":
		return json.Marshal(map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": prompt}}}},
			"inferenceConfig": map[string]any{"maxTokens": MaxOutputTokens}})
	}
	return nil, fmt.Errorf("%s: no InvokeModel body for this family", model)
}

// usageOf reads the token counts of an InvokeModel answer or stream chunk: Anthropic's
// usage (also inside message_start and message_delta events), Nova's usage, or the
// invocation metrics a stream's last chunk carries.
func usageOf(b []byte) (int64, int64) {
	var v struct {
		Usage *struct {
			InputTokens  int64 `json:"input_tokens"`
			OutputTokens int64 `json:"output_tokens"`
			NovaIn       int64 `json:"inputTokens"`
			NovaOut      int64 `json:"outputTokens"`
		} `json:"usage"`
		Message *struct {
			Usage *struct {
				InputTokens  int64 `json:"input_tokens"`
				OutputTokens int64 `json:"output_tokens"`
			} `json:"usage"`
		} `json:"message"`
		Metrics *struct {
			In  int64 `json:"inputTokenCount"`
			Out int64 `json:"outputTokenCount"`
		} `json:"amazon-bedrock-invocationMetrics"`
	}
	if json.Unmarshal(b, &v) != nil {
		return 0, 0
	}
	switch {
	case v.Metrics != nil:
		return v.Metrics.In, v.Metrics.Out
	case v.Usage != nil:
		return v.Usage.InputTokens + v.Usage.NovaIn, v.Usage.OutputTokens + v.Usage.NovaOut
	case v.Message != nil && v.Message.Usage != nil:
		return v.Message.Usage.InputTokens, v.Message.Usage.OutputTokens
	}
	return 0, 0
}
