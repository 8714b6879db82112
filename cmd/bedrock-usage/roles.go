package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/bedrock-usage/bedrock-usage/health"
)

// RolesSchema names the JSON shape of `roles verify --format json`; see the README.
const RolesSchema = "bedrock-usage/roles-verify@1"

// NewCmdRoles is `bedrock-usage roles`, whose one subcommand is verify.
func NewCmdRoles(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "Check what the application and reporting roles may do",
		Args:  noArgs,
	}
	cmd.AddCommand(NewCmdRolesVerify(f, rolesVerifyRun))
	return cmd
}

// rolesVerifyOptions are the flags of `bedrock-usage roles verify`.
type rolesVerifyOptions struct {
	IO                             *iostreams
	f                              *factory
	Regions, Apps, Families        []string
	Account, ReportingRole, Format string
	LogPrefix                      string
	LogBuckets                     []string // REGION=NAME
}

// NewCmdRolesVerify is `bedrock-usage roles verify`; runF runs it.
func NewCmdRolesVerify(f *factory, runF func(context.Context, *rolesVerifyOptions) error) *cobra.Command {
	opts := &rolesVerifyOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Ask IAM what each application role and the reporting role may do, against what the deployment means",
		Long: heredoc.Doc(`
			Put to IAM (iam:SimulatePrincipalPolicy) the questions the deployment answers:
			each {App}-BedrockRole may invoke (InvokeModel and InvokeModelWithResponseStream,
			which also authorise Converse and ConverseStream) each configured model family's
			foundation models and inference profiles in each configured region, and another
			region's only through a configured region's inference profile; it may not invoke
			another family or outside the regions. The reporting role may read the logs but
			not the offloaded bodies, write only under the Athena results prefix, and invoke
			nothing. Give the regions, applications and families the CDK app was deployed
			with when they are not its defaults.

			Prints a ✓/✗ matrix, or --format json; exit 3 when any answer is not the intended
			one.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage roles verify
			$ bedrock-usage roles verify --region us-east-1,eu-central-1 --app ChatbotApp --format json
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runF(cmd.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Regions, "region", nil, "the deployment's regions (default "+strings.Join(deployment.DefaultRegions(), ", ")+")")
	fl.StringArrayVar(&opts.Apps, "app", nil, "the applications with a role (default "+strings.Join(deployment.DefaultApps(), ", ")+")")
	fl.StringArrayVar(&opts.Families, "family", nil, "the model families the roles may invoke (default "+strings.Join(deployment.DefaultModelFamilies(), ", ")+")")
	fl.StringVar(&opts.Account, "account", "", "the account (default: the caller's, from sts:GetCallerIdentity)")
	fl.StringVar(&opts.ReportingRole, "reporting-role", deployment.ReportingRoleName, "the reporting role's name")
	fl.StringVar(&opts.LogPrefix, "log-prefix", deployment.LogPrefix, "the logs' key prefix, as bedrock-usage:logPrefix sets it")
	fl.StringArrayVar(&opts.LogBuckets, "log-bucket", nil, "REGION=NAME: a region's log bucket, where bedrock-usage:existingLogBuckets names one (repeatable)")
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: table or json (default table on a terminal, json otherwise)")
	return cmd
}

func rolesVerifyRun(ctx context.Context, opts *rolesVerifyOptions) error {
	format, err := opsFormat(opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	regions, err := regionList(opts.Regions, deployment.DefaultRegions())
	if err != nil {
		return err
	}
	spec := health.RoleSpec{Regions: regions, Apps: splitList(opts.Apps), Families: splitList(opts.Families), ReportingRole: opts.ReportingRole,
		LogPrefix: opts.LogPrefix, LogBuckets: map[string]string{}}
	for _, lb := range splitList(opts.LogBuckets) {
		region, name, ok := strings.Cut(lb, "=")
		if !ok || !regionRE.MatchString(region) || name == "" {
			return usageErr("--log-bucket %q: give REGION=NAME, as in eu-west-1=acme-bedrock-logs", lb)
		}
		spec.LogBuckets[region] = name
	}
	if p := spec.LogPrefix; p != "" && !strings.HasSuffix(p, "/") {
		return usageErr("--log-prefix %q must end in \"/\"", p)
	}
	if len(spec.Apps) == 0 {
		spec.Apps = deployment.DefaultApps()
	}
	if len(spec.Families) == 0 {
		spec.Families = deployment.DefaultModelFamilies()
	}
	f := opts.f
	cfg, err := f.AWSConfig(ctx, "")
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	if spec.Account, err = callerAccount(ctx, f, opts.Account); err != nil {
		return err
	}
	cases, err := health.VerifyRoles(ctx, iam.NewFromConfig(cfg), spec.Account, health.RoleCases(spec))
	if err != nil {
		return err
	}
	var bad []health.RoleCase
	for _, c := range cases {
		if !c.OK() {
			bad = append(bad, c)
		}
	}
	if format == "json" {
		type row struct {
			Role     string            `json:"role"`
			What     string            `json:"what"`
			Action   string            `json:"action"`
			Resource string            `json:"resource"`
			Context  map[string]string `json:"context,omitempty"`
			Want     string            `json:"want"`
			Got      string            `json:"got"`
			OK       bool              `json:"ok"`
		}
		doc := struct {
			Schema      string `json:"schema"`
			GeneratedAt string `json:"generated_at"`
			Account     string `json:"account"`
			Cases       []row  `json:"cases"`
			Unexpected  int    `json:"unexpected"`
		}{Schema: RolesSchema, GeneratedAt: f.Now().UTC().Format(time.RFC3339), Account: spec.Account, Unexpected: len(bad)}
		for _, c := range cases {
			doc.Cases = append(doc.Cases, row{c.Role, c.What, c.Action, c.Resource, c.Context, want(c), c.Got, c.OK()})
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, " \tROLE\tACTION\tWHAT\tWANT\tGOT")
		for _, c := range cases {
			mark := "✓"
			if !c.OK() {
				mark = "✗"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, c.Role, c.Action, c.What, want(c), c.Got)
		}
		tw.Flush()
		fmt.Fprintf(opts.IO.Out, "\n%d of %d answers as intended\n", len(cases)-len(bad), len(cases))
	}
	if len(bad) > 0 {
		var names []string
		for i, c := range bad {
			if i == 3 {
				names = append(names, fmt.Sprintf("and %d more", len(bad)-3))
				break
			}
			names = append(names, fmt.Sprintf("%s %s on %s: %s, want %s", c.Role, c.Action, c.What, c.Got, want(c)))
		}
		return withCode(exitData, errors.New(fmt.Sprintf("%d unexpected answer(s): ", len(bad))+strings.Join(names, "; ")))
	}
	return nil
}

func want(c health.RoleCase) string {
	if c.Allowed {
		return "allowed"
	}
	return "denied"
}
