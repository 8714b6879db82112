package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/athena"
)

// athenaFlags are the report flags of the Athena engine.
type athenaFlags struct {
	Workgroup string
	Database  string
	Table     string
	Account   string
	PrintSQL  bool
}

// athenaFlagNames are the flags only the Athena engine reads.
var athenaFlagNames = []string{"workgroup", "database", "table", "account", "print-sql"}

// addAthenaFlags adds the Athena engine's flags; printSQL adds --print-sql too.
func addAthenaFlags(cmd *cobra.Command, a *athenaFlags, printSQL bool) {
	fl := cmd.Flags()
	fl.StringVar(&a.Workgroup, "workgroup", "bedrock-usage", "Athena workgroup (athena engine)")
	fl.StringVar(&a.Database, "database", "bedrock_analytics", "Glue database (athena engine)")
	fl.StringVar(&a.Table, "table", "bedrock_invocation_logs", "Glue table (athena engine)")
	fl.StringVar(&a.Account, "account", "", "AWS account of the logs, for the result location s3://bedrock-analytics-{account}-{region}/athena-results/ (athena engine; default: the caller's, from sts:GetCallerIdentity)")
	if printSQL {
		fl.BoolVar(&a.PrintSQL, "print-sql", false, "print each region's SQL and exit without calling AWS (athena engine)")
	}
}

// callerIdentity is the one STS call the Athena engine needs: whose account this is.
type callerIdentity interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ callerIdentity = (*sts.Client)(nil)

// callerAccount returns the account of the caller's credentials.
func callerAccount(ctx context.Context, f *factory) (string, error) {
	cfg, err := f.AWSConfig(ctx, "")
	if err != nil {
		return "", fmt.Errorf("loading AWS configuration: %w", err)
	}
	var c callerIdentity = sts.NewFromConfig(cfg)
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("finding the account with sts:GetCallerIdentity (or give --account): %w", err)
	}
	return aws.ToString(out.Account), nil
}

// newAthenaSource builds the Athena source; done reports that the command has finished
// (--print-sql printed the SQL).
func newAthenaSource(ctx context.Context, f *factory, q analytics.Query, a *athenaFlags) (analytics.Source, string, bool, error) {
	if a.Account == "" && !a.PrintSQL {
		acct, err := callerAccount(ctx, f)
		if err != nil {
			return nil, "", false, err
		}
		a.Account = acct
	}
	src := athena.New(
		athena.Config{Workgroup: a.Workgroup, Database: a.Database, Table: a.Table, Account: a.Account},
		athena.ClientsFromConfig(f.AWSConfig),
		athena.WithS3(athena.S3FromConfig(f.AWSConfig, f.S3Options...)),
		athena.WithNow(f.Now),
	)
	if a.PrintSQL {
		text, err := src.InlineSQL(q)
		if err != nil {
			return nil, "", true, withCode(exitUsage, err)
		}
		for _, r := range src.Regions(q) {
			fmt.Fprintf(f.IO.Out, "-- region %s: workgroup %s, %s.%s\n%s;\n\n", r, a.Workgroup, a.Database, a.Table, text)
		}
		return nil, "", true, nil
	}
	return src, fmt.Sprintf("athena %s.%s (workgroup %s)", a.Database, a.Table, a.Workgroup), false, nil
}
