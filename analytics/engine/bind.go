package engine

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Binding is every registered engine's configuration bound to one command's flags.
type Binding struct {
	configs map[string]Config
	owner   map[string]string // flag name → engine
	ignored map[string]bool   // flags other engines accept and ignore
	order   []string          // flag names, as bound
}

// Bind binds each registered engine's flags to fs (and, with explain, the flags of the
// engines that can explain themselves).
func Bind(fs *pflag.FlagSet, explain bool) *Binding {
	b := &Binding{configs: map[string]Config{}, owner: map[string]string{}, ignored: map[string]bool{}}
	for _, e := range All() {
		c := e.New()
		own := pflag.NewFlagSet(e.Name, pflag.ContinueOnError)
		c.AddFlags(own)
		if x, ok := c.(Explainer); ok && explain {
			x.AddExplainFlags(own)
		}
		own.VisitAll(func(f *pflag.Flag) {
			if fs.Lookup(f.Name) != nil {
				panic(fmt.Sprintf("engine: flag --%s of %s is already a flag of the command", f.Name, e.Name))
			}
			if prev, dup := b.owner[f.Name]; dup {
				panic(fmt.Sprintf("engine: flag --%s registered by %s and %s", f.Name, prev, e.Name))
			}
			b.owner[f.Name] = e.Name
			b.order = append(b.order, f.Name)
			if _, ok := f.Annotations[IgnoredElsewhere]; ok {
				b.ignored[f.Name] = true
			}
		})
		fs.AddFlagSet(own)
		b.configs[e.Name] = c
	}
	return b
}

// IgnoredElsewhere is a flag annotation: other engines accept the flag and ignore it (for
// flags that were report flags before the engines had their own, such as --workers).
const IgnoredElsewhere = "bedrock-usage/engine-ignored-elsewhere"

// Select returns the named engine's configuration. It is a usage error to name an engine
// that is not registered, or to give a flag of another engine (changed tells which flags
// were given).
func (b *Binding) Select(name string, changed func(flag string) bool) (Config, error) {
	c, ok := b.configs[name]
	if !ok {
		return nil, Usagef("--engine %q: use one of %s", name, strings.Join(Names(), ", "))
	}
	for _, f := range b.order {
		if owner := b.owner[f]; owner != name && changed(f) && !b.ignored[f] {
			return nil, Usagef("--%s is for --engine %s", f, owner)
		}
	}
	return c, nil
}

// EngineHelp is the help text of --engine: each engine's name and summary.
func EngineHelp() string {
	var parts []string
	for _, e := range All() {
		parts = append(parts, e.Name+" ("+e.Summary+")")
	}
	return "engine: " + strings.Join(parts, ", ")
}
