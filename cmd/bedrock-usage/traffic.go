package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/bedrock-usage/bedrock-usage/traffic"
)

// DefaultTrafficModels are what `traffic` calls unless --model says otherwise: two cheap
// models through their US geographic profiles, one of them with an InvokeModel body it knows.
var DefaultTrafficModels = []string{"us.amazon.nova-micro-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"}

// trafficOptions are the flags of `bedrock-usage traffic`.
type trafficOptions struct {
	IO                                *iostreams
	f                                 *factory
	Regions, Apps, Users, Models, Ops []string
	Calls                             int
	MaxCost, Account, Format          string
	DryRun                            bool
	prices                            priceFlags
}

// NewCmdTraffic is `bedrock-usage traffic`; runF runs it.
func NewCmdTraffic(f *factory, runF func(context.Context, *trafficOptions) error) *cobra.Command {
	opts := &trafficOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "traffic",
		Short: "Send real test calls through the application roles, under a hard cost limit",
		Long: heredoc.Doc(`
			Assume each application role ({App}-BedrockRole) with each --user as its session
			name (the report's users), and call each --model in each --region with short
			prompts (at most 64 output tokens), cycling through Converse, ConverseStream,
			InvokeModel and InvokeModelWithResponseStream; Converse calls carry
			requestMetadata (team, tenant_id, environment), for --group-by metadata.KEY.

			Before any call the plan is priced from the price book, each call at its most
			(about 40 input and all 64 output tokens): a plan over --max-cost is refused, and
			while it runs no call is made that could take the cost past it. A model the book
			cannot price is refused. --dry-run prints the plan and its estimate and calls
			nothing.

			The summary says how many calls were made, the failures by error code, the
			tokens the answers reported and their cost, so that the next report can be
			checked against it (the logs arrive within minutes).
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage traffic --dry-run
			$ bedrock-usage traffic --region us-east-1 --app ChatbotApp --user alice,bob --calls 2
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runF(cmd.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Regions, "region", nil, "regions to call in (default "+deployment.DefaultRegions()[0]+")")
	fl.StringArrayVar(&opts.Apps, "app", nil, "applications whose roles to assume (default "+strings.Join(deployment.DefaultApps(), ", ")+")")
	fl.StringArrayVar(&opts.Users, "user", nil, "role session names, the report's users (default alice, bob)")
	fl.StringArrayVar(&opts.Models, "model", nil, "model ids to call: bare, geographic (us.…) or global profiles (default "+strings.Join(DefaultTrafficModels, ", ")+")")
	fl.StringArrayVar(&opts.Ops, "operation", nil, "operations to cycle through: "+strings.Join(traffic.Operations, ", ")+" (default all)")
	fl.IntVar(&opts.Calls, "calls", 1, "calls for each application × user × region × model")
	fl.StringVar(&opts.MaxCost, "max-cost", "0.50", "the most the calls may cost, in USD: a plan over it is refused, and no call is made that could pass it")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the plan and its estimated cost; call nothing")
	fl.StringVar(&opts.Account, "account", "", "the account of the roles (default: the caller's, from sts:GetCallerIdentity)")
	fl.StringVarP(&opts.Format, "format", "f", "", "summary format: table or json (default table on a terminal, json otherwise)")
	opts.prices.addFlags(fl)
	return cmd
}

func trafficRun(ctx context.Context, opts *trafficOptions) error {
	format, err := opsFormat(opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	maxCost, err := decimal.NewFromString(strings.TrimPrefix(opts.MaxCost, "$"))
	if err != nil || !maxCost.IsPositive() {
		return usageErr("--max-cost %q: give an amount in USD, like 0.50", opts.MaxCost)
	}
	if opts.Calls < 1 || opts.Calls > 1000 {
		return usageErr("--calls must be between 1 and 1000, got %d", opts.Calls)
	}
	regions, err := regionList(opts.Regions, deployment.DefaultRegions()[:1])
	if err != nil {
		return err
	}
	spec := traffic.Spec{Regions: regions, Apps: splitList(opts.Apps), Users: splitList(opts.Users), Models: splitList(opts.Models),
		Ops: splitList(opts.Ops), PerCombo: opts.Calls, MaxCostUS: maxCost}
	for _, op := range spec.Ops {
		if !slices.Contains(traffic.Operations, op) {
			return usageErr("--operation %q: use one of %s", op, strings.Join(traffic.Operations, ", "))
		}
	}
	spec.Apps = orDefault(spec.Apps, deployment.DefaultApps())
	spec.Users = orDefault(spec.Users, []string{"alice", "bob"})
	for _, u := range spec.Users {
		if !traffic.SessionNameRE.MatchString(u) {
			return usageErr("--user %q: a role session name is 2 to 64 letters, digits and +=,.@_-", u)
		}
	}
	spec.Models = orDefault(spec.Models, DefaultTrafficModels)
	f := opts.f
	book, err := opts.prices.load(ctx, f)
	if err != nil {
		return err
	}
	calls, notes, err := traffic.Plan(ctx, spec, book, f.Now())
	if err != nil {
		return usageErr("%v", err)
	}
	for _, n := range notes {
		fmt.Fprintln(opts.IO.ErrOut, "note: "+n)
	}
	estimate := traffic.Total(calls)
	if opts.DryRun || estimate.GreaterThan(maxCost) {
		writePlan(opts.IO, calls, estimate, maxCost)
		if estimate.GreaterThan(maxCost) {
			return withCode(exitOverBudget, fmt.Errorf("the plan's %d calls could cost up to %s USD, over --max-cost %s: nothing was called", len(calls), estimate.StringFixed(4), maxCost))
		}
		return nil
	}
	cfg, err := f.AWSConfig(ctx, "")
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	account, err := callerAccount(ctx, f, opts.Account)
	if err != nil {
		return err
	}
	stsc := sts.NewFromConfig(cfg)
	res, err := traffic.Run(ctx, calls, traffic.Options{
		Account: account, STS: stsc, Pricer: book, Now: f.Now, MaxCost: maxCost,
		RuntimeFor: func(ctx context.Context, region string, creds aws.CredentialsProvider) (traffic.Runtime, error) {
			rc, err := f.AWSConfig(ctx, region)
			if err != nil {
				return nil, err
			}
			rc.Credentials = creds
			return bedrockruntime.NewFromConfig(rc), nil
		},
		Progress: func(done, total int, c traffic.Call, err error) {
			if !opts.IO.ErrTTY {
				return
			}
			st := "ok"
			if err != nil {
				st = "failed"
			}
			fmt.Fprintf(opts.IO.ErrOut, "\r[%d/%d] %s as %s: %s %s in %s: %s\x1b[K", done, total, c.App, c.User, c.Operation, c.Model, c.Region, st)
			if done == total {
				fmt.Fprintln(opts.IO.ErrOut)
			}
		},
	})
	if err != nil && res.Calls == 0 {
		return err
	}
	if format == "json" {
		doc := map[string]any{"schema": "bedrock-usage/traffic@1", "account": account, "planned": len(calls), "calls": res.Calls, "ok": res.OK,
			"failures": res.Failures, "skipped_over_limit": res.Skipped, "input_tokens": res.InputTokens, "output_tokens": res.OutputTokens,
			"cost_usd": res.Cost.String(), "estimate_usd": estimate.String(), "max_cost_usd": maxCost.String()}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(opts.IO.Out, "%d of %d calls made: %d answered, %d failed", res.Calls, len(calls), res.OK, res.Calls-res.OK)
		if len(res.Failures) > 0 {
			var codes []string
			for c, n := range res.Failures {
				codes = append(codes, fmt.Sprintf("%s %d", c, n))
			}
			sort.Strings(codes)
			fmt.Fprintf(opts.IO.Out, " (%s)", strings.Join(codes, ", "))
		}
		fmt.Fprintf(opts.IO.Out, "\n%d input and %d output tokens; expected cost $%s (at most $%s, limit $%s)\n", res.InputTokens, res.OutputTokens, res.Cost.StringFixed(4), estimate.StringFixed(4), maxCost.StringFixed(2))
		if res.Skipped > 0 {
			fmt.Fprintf(opts.IO.Out, "%d calls not made: they could have passed the limit\n", res.Skipped)
		}
	}
	if err != nil {
		return err
	}
	if len(res.Failures) > 0 && res.OK == 0 {
		return errors.New("every call failed")
	}
	return nil
}

func orDefault(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

// writePlan prints the plan: one line per application, user, region, model and operation,
// with the calls and their estimate.
func writePlan(io *iostreams, calls []traffic.Call, estimate, maxCost decimal.Decimal) {
	type key struct{ app, user, region, model, op string }
	n := map[key]int{}
	cost := map[key]decimal.Decimal{}
	var order []key
	for _, c := range calls {
		k := key{c.App, c.User, c.Region, c.Model, c.Operation}
		if n[k] == 0 {
			order = append(order, k)
		}
		n[k]++
		cost[k] = cost[k].Add(c.Estimate)
	}
	for _, k := range order {
		fmt.Fprintf(io.Out, "%s as %s in %s: %d × %s %s, up to $%s\n", deployment.AppRoleName(k.app), k.user, k.region, n[k], k.op, k.model, cost[k].StringFixed(6))
	}
	fmt.Fprintf(io.Out, "%d calls, estimated at most $%s (limit $%s)\n", len(calls), estimate.StringFixed(4), maxCost.StringFixed(2))
}
