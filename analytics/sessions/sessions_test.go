package sessions

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultsFold: each shape tools generate folds into its pattern's name, and names people
// and services choose stay as they are.
func TestDefaultsFold(t *testing.T) {
	tests := []struct {
		name, session, want string // want "" for a name that stays
	}{
		{"botocore", "botocore-session-1700000000", "botocore-session-*"},
		{"go sdk", "aws-go-sdk-1700000000123456789", "aws-go-sdk-*"},
		{"java sdk", "aws-sdk-java-1700000000123", "aws-sdk-java-*"},
		{"js sdk", "aws-sdk-js-session-1700000000123", "aws-sdk-js-session-*"},
		{"ec2 instance, long id", "i-0abc123def4567890", "i-*"},
		{"ec2 instance, short id", "i-0abc1234", "i-*"},
		{"uuid", "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b", "<uuid>"},
		{"uuid upper case", "3F2B8C1E-9D4A-4E6B-8F0A-1C2D3E4F5A6B", "<uuid>"},
		{"ecs task id", "0123456789abcdef0123456789abcdef", "<hex-id>"},
		{"unix time", "1700000000", "<number>"},
		{"a person", "jane.doe@example.com", ""},
		{"a named session", "nightly-batch", ""},
		{"botocore prefix without a number", "botocore-session-abc", ""},
		{"instance id of the wrong length", "i-0abc123", ""},
		{"nine digits", "123456789", ""},
		{"hex of 31 digits", "0123456789abcdef0123456789abcde", ""},
		{"empty", "", ""},
		{"a prefix only matches whole names", "x-botocore-session-1700000000", ""},
	}
	f := NewFolder(Defaults())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.Fold(tt.session)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Fold(%q) = %q, %v; want %q, %v", tt.session, got, ok, tt.want, tt.want != "")
			}
		})
	}
}

// TestDefaultNamesAreNotSessionNames: a built-in fold's name holds a character that the
// RoleSessionName pattern of sts:AssumeRole ([\w+=,.@-]*) refuses, so it can never be a real
// session's name, and no default pattern matches another's name.
func TestDefaultNamesAreNotSessionNames(t *testing.T) {
	f := NewFolder(Defaults())
	for _, p := range Defaults() {
		if !strings.ContainsAny(p.Name, "*<>") {
			t.Errorf("pattern %s: its name could be a session name", p.Name)
		}
		if name, ok := f.Fold(p.Name); ok {
			t.Errorf("the name %s folds into %s", p.Name, name)
		}
	}
}

// TestConfiguredPatterns: a configured pattern is tried before the built-in ones, and bad
// ones are refused with what to write instead.
func TestConfiguredPatterns(t *testing.T) {
	p, err := ParsePattern("ci-run-*=ci-run-[0-9]+")
	if err != nil {
		t.Fatal(err)
	}
	num, err := ParsePattern("numbered=[0-9]+")
	if err != nil {
		t.Fatal(err)
	}
	f := NewFolder(append([]Pattern{p, num}, Defaults()...))
	for session, want := range map[string]string{
		"ci-run-42":                   "ci-run-*",
		"1700000000":                  "numbered", // before <number>
		"botocore-session-1700000000": "botocore-session-*",
		"ci-run-x":                    "",
	} {
		got, _ := f.Fold(session)
		if got != want {
			t.Errorf("Fold(%q) = %q, want %q", session, got, want)
		}
	}
	if diff := cmp.Diff([]string{"ci-run-*", "numbered"}, []string{f.Patterns()[0].Name, f.Patterns()[1].Name}); diff != "" {
		t.Errorf("pattern order (-want +got):\n%s", diff)
	}

	bad := []struct{ name, in, want string }{
		{"no name", "=abc", "give it a name"},
		{"no expression", "name=", "write NAME=REGEXP"},
		{"no equals sign", "botocore", "write NAME=REGEXP"},
		{"not a regexp", "x=a(b", "missing closing )"},
		{"matches everything", "all=.*", "matches the empty name"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParsePattern(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParsePattern(%q): got error %v, want one containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func BenchmarkFold(b *testing.B) {
	f := NewFolder(Defaults())
	names := []string{"botocore-session-1700000000", "jane.doe@example.com", "0123456789abcdef0123456789abcdef", "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b", "nightly-batch"}
	for i := 0; b.Loop(); i++ {
		f.Fold(names[i%len(names)])
	}
}
