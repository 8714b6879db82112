package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// renderOptions are the flags of `bedrock-usage render`.
type renderOptions struct {
	IO     *iostreams
	Input  string
	Format string
	Outs   []string
	Views  []string
	Top    int
	Sort   string

	collapse collapseFlags
}

// NewCmdRender is `bedrock-usage render`; runF runs it (renderRun, or a test's).
func NewCmdRender(f *factory, runF func(context.Context, *renderOptions) error) *cobra.Command {
	opts := &renderOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "render FILE",
		Short: "Render a saved JSON report in another format, without reading the logs again",
		Long: heredoc.Doc(`
			Read a report that "bedrock-usage report --format json" wrote (the
			bedrock-usage/report@1 contract; - reads standard input) and write it as a table,
			CSV, Markdown, HTML or JSON. The numbers are the saved report's: nothing is scanned
			or priced again.
		`),
		Example: heredoc.Doc(`
			# The Markdown summary of last night's CI report
			$ bedrock-usage render report.json --format markdown >> "$GITHUB_STEP_SUMMARY"

			# Several formats at once
			$ bedrock-usage render report.json --output report.html --output report.csv
		`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("render takes one file (a saved JSON report, or - for standard input), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Input = args[0]
			opts.collapse.bind(cmd.Flags(), f)
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: "+strings.Join(render.Formats, ", ")+" (default table on a terminal, json otherwise)")
	fl.StringArrayVarP(&opts.Outs, "output", "o", nil, "write to this file instead of standard output (repeatable); the format follows the extension unless --format is given")
	fl.StringSliceVar(&opts.Views, "view", nil, "views to show in table, markdown and csv output: "+strings.Join(render.ViewNames(), ", "))
	fl.IntVar(&opts.Top, "top", 10, "lines per view in table and markdown output (0: all)")
	fl.StringVar(&opts.Sort, "sort", "", "order the lines of each view (but daily and hourly) by this measure, largest first: "+strings.Join(analytics.SortKeys(), ", "))
	opts.collapse.addFlags(fl)
	registerCompletions(cmd, f.Env)
	return cmd
}

func renderRun(_ context.Context, opts *renderOptions) error {
	if opts.Format != "" && !slices.Contains(render.Formats, opts.Format) && opts.Format != "md" {
		return usageErr("--format %q: use one of %s", opts.Format, strings.Join(render.Formats, ", "))
	}
	for _, v := range opts.Views {
		if !slices.Contains(render.ViewNames(), v) {
			return usageErr("--view %q: use one of %s", v, strings.Join(render.ViewNames(), ", "))
		}
	}
	outs, err := outputsFor(opts.Outs, opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	col, err := newCollapser(&opts.collapse)
	if err != nil {
		return err
	}
	var data []byte
	if opts.Input == "-" {
		data, err = io.ReadAll(opts.IO.In)
	} else {
		data, err = os.ReadFile(opts.Input)
	}
	if err != nil {
		return fmt.Errorf("reading the report: %w", err)
	}
	rep, err := render.ParseJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Input, err)
	}
	return writeReport(opts.IO, rep, outs, opts.Sort, render.Options{Top: opts.Top, Views: opts.Views}, col, nil)
}

// completeFixed completes a flag's value from a fixed list (shell completion: `bedrock-usage
// completion bash|zsh|fish|powershell`). A list flag completes its last comma-separated part.
func completeFixed(values func() []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
		prefix := ""
		if i := strings.LastIndex(typed, ","); i >= 0 {
			prefix = typed[:i+1]
		}
		var out []string
		for _, v := range values() {
			out = append(out, prefix+v)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// commonZones are offered for --timezone (any IANA name is accepted).
var commonZones = []string{"UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
	"Europe/London", "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Seoul", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney"}

// registerCompletions adds value completion to the report flags a command has: fixed lists,
// and the regions, applications, users and models of the last reports (the seen cache).
func registerCompletions(cmd *cobra.Command, env func(string) string) {
	seen := func(pick func(seenValues) []string) func() []string {
		return func() []string { return pick(readSeen(seenPath(env))) }
	}
	for name, values := range map[string]func() []string{
		"region": seen(func(s seenValues) []string { return s.Regions }),
		"app":    seen(func(s seenValues) []string { return s.Apps }),
		"user":   seen(func(s seenValues) []string { return s.Users }),
		"model":  seen(func(s seenValues) []string { return s.Models }),
	} {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, completeFixed(values))
		}
	}
	lists := map[string]func() []string{
		"format":   func() []string { return render.Formats },
		"view":     render.ViewNames,
		"sort":     analytics.SortKeys,
		"group-by": func() []string { return append(analytics.DimensionNames(), analytics.MetadataPrefix) },
		"timezone": func() []string { return commonZones },
		"since":    func() []string { return append(slices.Clone(analytics.PeriodNames), "7d", "30d") },
		"until":    func() []string { return append(slices.Clone(analytics.PeriodNames), "now") },
	}
	for name, values := range lists {
		if cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, completeFixed(values))
		}
	}
}
