// Package sessions recognises role session names that tools generate rather than people
// choose, so that a report can fold them into one user per pattern.
//
// A role session name is the last part of an assumed-role ARN, and the report's user. When
// a person assumes a role it is their name; when an SDK assumes one without being told a
// name, or an EC2 instance or ECS task gets credentials, it is a timestamp, an instance id
// or a task id, new for every session. A Lambda worker pool or a fleet of tasks then puts
// thousands of one-call "users" into the per-user views, and the people drown. Folding
// those names into "botocore-session-*" (with the number of sessions it stands for) keeps
// the views readable; the totals do not change.
//
// The built-in patterns and where each shape comes from:
//
//   - botocore-session-*: botocore's AssumeRoleCredentialFetcher (boto3, the AWS CLI) names
//     a session 'botocore-session-%s' % int(time.time()) when the profile gives no
//     role_session_name.
//   - aws-go-sdk-*: aws-sdk-go-v2's stscreds.AssumeRoleProvider defaults to
//     fmt.Sprintf("aws-go-sdk-%d", time.Now().UTC().UnixNano()).
//   - aws-sdk-java-*: the AWS SDK for Java (v1 and v2) profile and web-identity providers
//     default to "aws-sdk-java-" + System.currentTimeMillis().
//   - aws-sdk-js-session-*: the AWS SDK for JavaScript v3 web-identity provider defaults to
//     `aws-sdk-js-session-${Date.now()}`.
//   - i-*: an EC2 instance profile's session is the instance id (i- and 8 or 17 hex digits).
//   - <uuid>: a UUID, as request ids and many schedulers use.
//   - <hex-id>: 32 hex digits, the shape of an ECS task id.
//   - <number>: ten or more digits (a Unix time or another generated number).
//
// A role session name may only hold letters, digits and +=,.@_- (the RoleSessionName
// pattern of sts:AssumeRole), so the built-in names, with their * and <>, can never be a
// real session's name.
package sessions

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern is one shape of generated session names and the name its sessions fold into.
type Pattern struct {
	// Name is what the folded sessions are shown as, in place of their names.
	Name string
	// Expr is the regular expression a whole session name must match (RE2 syntax, anchored).
	Expr string
	re   *regexp.Regexp
	lit  string // the literal prefix every match starts with, checked before the expression
}

// NewPattern compiles a pattern; expr must match the whole name (it is anchored for you).
func NewPattern(name, expr string) (Pattern, error) {
	if strings.TrimSpace(name) == "" {
		return Pattern{}, fmt.Errorf("session pattern %q: give it a name, as in NAME=REGEXP", expr)
	}
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return Pattern{}, fmt.Errorf("session pattern %s: %w", name, err)
	}
	if re.MatchString("") {
		return Pattern{}, fmt.Errorf("session pattern %s=%s matches the empty name; a pattern must match generated names only", name, expr)
	}
	lit, _ := re.LiteralPrefix()
	return Pattern{Name: name, Expr: expr, re: re, lit: lit}, nil
}

// ParsePattern parses NAME=REGEXP, the form of --session-pattern.
func ParsePattern(s string) (Pattern, error) {
	name, expr, ok := strings.Cut(s, "=")
	if !ok || expr == "" {
		return Pattern{}, fmt.Errorf("session pattern %q: write NAME=REGEXP, as in 'ci-*=ci-[0-9]+'", s)
	}
	return NewPattern(name, expr)
}

// Match says whether a session name has the pattern's shape.
func (p *Pattern) Match(session string) bool {
	return strings.HasPrefix(session, p.lit) && p.re.MatchString(session)
}

// Defaults are the built-in patterns (see the package documentation), in the order they
// are tried.
func Defaults() []Pattern {
	out := make([]Pattern, len(defaults))
	for i, d := range defaults {
		p, err := NewPattern(d[0], d[1])
		if err != nil {
			panic(err)
		}
		out[i] = p
	}
	return out
}

var defaults = [][2]string{
	{"botocore-session-*", `botocore-session-[0-9]+`},
	{"aws-go-sdk-*", `aws-go-sdk-[0-9]+`},
	{"aws-sdk-java-*", `aws-sdk-java-[0-9]+`},
	{"aws-sdk-js-session-*", `aws-sdk-js-session-[0-9]+`},
	{"i-*", `i-(?:[0-9a-f]{8}|[0-9a-f]{17})`},
	{"<uuid>", `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`},
	{"<hex-id>", `[0-9a-f]{32}`},
	{"<number>", `[0-9]{10,}`},
}

// Folder folds session names by a list of patterns: the first that matches names the fold.
type Folder struct {
	patterns []Pattern
}

// NewFolder returns a folder that tries the patterns in order.
func NewFolder(patterns []Pattern) *Folder {
	return &Folder{patterns: patterns}
}

// Patterns are the folder's patterns, in the order they are tried.
func (f *Folder) Patterns() []Pattern { return f.patterns }

// Fold returns the name a session folds into, and whether it matched a pattern.
func (f *Folder) Fold(session string) (string, bool) {
	if session == "" {
		return "", false
	}
	for i := range f.patterns {
		if f.patterns[i].Match(session) {
			return f.patterns[i].Name, true
		}
	}
	return "", false
}
