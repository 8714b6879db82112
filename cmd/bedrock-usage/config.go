package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// The configuration file holds defaults for any command's flags, so that a team writes its
// sources, profile map, prices, time zone and budgets once:
//
//	# bedrock-usage.yaml
//	source: s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/
//	timezone: Europe/Berlin
//	profile-map: profiles.json
//	report:           # a section applies to one command only
//	  budget: 250
//	  strict: true
//
// Keys are flag names; a list is a repeated flag. Each flag also reads the environment
// variable BEDROCK_USAGE_<FLAG> (upper case, - as _). Precedence: the command line, then the
// environment, then the file (a command's section before the top level), then the default.

// configFileName is the file looked for in the working directory and the user's
// configuration folder.
const configFileName = "bedrock-usage.yaml"

// envPrefix starts the environment variable of every flag.
const envPrefix = "BEDROCK_USAGE_"

// notConfigurable are flags that only make sense on a command line.
var notConfigurable = []string{"help", "version", "config"}

// secretFlags are never printed by config show.
var secretFlags = []string{"auth-token"}

// configFile is a parsed configuration file: the top-level values and each command's
// section, every value as the strings a flag is set with.
type configFile struct {
	path     string
	top      map[string][]string
	sections map[string]map[string][]string
}

// findConfig is the configuration file to read: --config, else bedrock-usage.yaml in the
// working directory, else in $XDG_CONFIG_HOME/bedrock-usage/ (~/.config/bedrock-usage/).
// "" when there is none.
func findConfig(explicit string, env func(string) string) string {
	if explicit != "" {
		return explicit
	}
	candidates := []string{configFileName}
	dir := env("XDG_CONFIG_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir != "" {
		candidates = append(candidates, filepath.Join(dir, "bedrock-usage", configFileName))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// loadConfig reads and parses a configuration file; an empty path is no file.
func loadConfig(path string) (*configFile, error) {
	cf := &configFile{path: path, top: map[string][]string{}, sections: map[string]map[string][]string{}}
	if path == "" {
		return cf, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usageErr("--config %s: no such file", path)
		}
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, usageErr("configuration %s: %v", path, err)
	}
	for k, v := range doc {
		if sec, ok := v.(map[string]any); ok {
			m := map[string][]string{}
			for sk, sv := range sec {
				vals, err := configValues(sv)
				if err != nil {
					return nil, usageErr("configuration %s: %s.%s: %v", path, k, sk, err)
				}
				m[sk] = vals
			}
			cf.sections[k] = m
			continue
		}
		vals, err := configValues(v)
		if err != nil {
			return nil, usageErr("configuration %s: %s: %v", path, k, err)
		}
		cf.top[k] = vals
	}
	return cf, nil
}

// configValues turns a YAML value into flag values: a scalar is one, a list one each.
func configValues(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, errors.New("no value")
	case []any:
		var out []string
		for _, e := range v {
			s, err := configValues(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	case map[string]any:
		return nil, errors.New("a section holds flags, not other sections")
	case string:
		return []string{v}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case int:
		return []string{strconv.Itoa(v)}, nil
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}, nil
	}
	return []string{fmt.Sprint(v)}, nil
}

// flagSource says where a flag's value came from.
type flagSource struct {
	flag, value, from string // from: "flag", "env NAME", "file PATH", "default"
}

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// applyDefaults sets every flag of cmd that the command line left alone from the
// environment or the configuration file, and returns where each flag's value came from.
// Flags set here are not "changed" for the checks that care what the user typed (see
// factory.typed).
func applyDefaults(cmd *cobra.Command, cf *configFile, env func(string) string) ([]flagSource, error) {
	var out []flagSource
	var errs []error
	section := cf.sections[cmd.Name()]
	known := map[string]bool{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		known[fl.Name] = true
		if slices.Contains(notConfigurable, fl.Name) {
			return
		}
		if fl.Changed {
			out = append(out, flagSource{fl.Name, fl.Value.String(), "flag"})
			return
		}
		var vals []string
		from := ""
		if v := env(envName(fl.Name)); v != "" {
			vals, from = []string{v}, "env "+envName(fl.Name)
		} else if v, ok := section[fl.Name]; ok {
			vals, from = v, "file "+cf.path+" ("+cmd.Name()+")"
		} else if v, ok := cf.top[fl.Name]; ok {
			vals, from = v, "file "+cf.path
		}
		if from == "" {
			out = append(out, flagSource{fl.Name, fl.Value.String(), "default"})
			return
		}
		for _, v := range vals {
			if err := fl.Value.Set(v); err != nil {
				errs = append(errs, usageErr("--%s from %s: %v", fl.Name, from, err))
				return
			}
		}
		out = append(out, flagSource{fl.Name, fl.Value.String(), from})
	})
	// A misspelt key in the command's own section would otherwise be ignored silently.
	for k := range section {
		if !known[k] {
			errs = append(errs, usageErr("configuration %s: %s.%s: %s has no flag --%s", cf.path, cmd.Name(), k, cmd.Name(), k))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].flag < out[j].flag })
	return out, errors.Join(errs...)
}

// configShowOptions are the flags of `bedrock-usage config show`.
type configShowOptions struct {
	IO      *iostreams
	f       *factory
	Command string
	JSON    bool
}

// NewCmdConfig is `bedrock-usage config`, whose `show` prints every flag's effective value
// and where it came from.
func NewCmdConfig(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the defaults that the configuration file and the environment give the flags",
		Args:  noArgs,
	}
	opts := &configShowOptions{IO: f.IO, f: f}
	show := &cobra.Command{
		Use:   "show [COMMAND]",
		Short: "Print each flag of a command (default report) with its value and where it came from",
		Long: "Print each flag of a command with the value it would have and where that value came from: " +
			"the command line, the environment (" + envPrefix + "<FLAG>), the configuration file (" + configFileName +
			" in the working directory, $XDG_CONFIG_HOME/bedrock-usage/, or --config), or the default, in that order of precedence.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command = "report"
			if len(args) == 1 {
				opts.Command = args[0]
			}
			return configShowRun(opts)
		},
	}
	show.Flags().BoolVar(&opts.JSON, "json", false, "print JSON: [{\"flag\", \"value\", \"from\"}]")
	cmd.AddCommand(show)
	return cmd
}

func configShowRun(opts *configShowOptions) error {
	// A fresh command tree, so that the shown command's flags start from their defaults.
	fresh := *opts.f
	fresh.sources = nil
	root := newRootCmd(&fresh)
	target, _, err := root.Find(strings.Fields(strings.ReplaceAll(opts.Command, "/", " ")))
	if err != nil || target == root {
		return usageErr("config show %q: no such command", opts.Command)
	}
	cf, err := loadConfig(findConfig(opts.f.configPath, opts.f.Env))
	if err != nil {
		return err
	}
	srcs, err := applyDefaults(target, cf, opts.f.Env)
	if err != nil {
		return err
	}
	for i := range srcs {
		if slices.Contains(secretFlags, srcs[i].flag) && srcs[i].value != "" {
			srcs[i].value = "(set, not shown)"
		}
	}
	w := opts.IO.Out
	if opts.JSON {
		type row struct {
			Flag  string `json:"flag"`
			Value string `json:"value"`
			From  string `json:"from"`
		}
		rows := make([]row, len(srcs))
		for i, s := range srcs {
			rows[i] = row{s.flag, s.value, s.from}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	file := cf.path
	if file == "" {
		file = "none"
	}
	fmt.Fprintf(w, "Configuration file: %s\n\n", file)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAG\tVALUE\tFROM")
	for _, s := range srcs {
		fmt.Fprintf(tw, "--%s\t%s\t%s\n", s.flag, s.value, s.from)
	}
	return tw.Flush()
}

// checkTopLevel refuses top-level keys that are no flag of any command (a typo there would
// otherwise be ignored), and sections named after no command.
func checkTopLevel(root *cobra.Command, cf *configFile) error {
	flags, cmds := map[string]bool{}, map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		cmds[c.Name()] = true
		c.Flags().VisitAll(func(fl *pflag.Flag) { flags[fl.Name] = true })
		c.PersistentFlags().VisitAll(func(fl *pflag.Flag) { flags[fl.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var errs []error
	for k := range cf.top {
		if !flags[k] {
			errs = append(errs, usageErr("configuration %s: %s is no flag of any command", cf.path, k))
		}
	}
	for k := range cf.sections {
		if !cmds[k] {
			errs = append(errs, usageErr("configuration %s: section %s names no command", cf.path, k))
		}
	}
	return errors.Join(errs...)
}
