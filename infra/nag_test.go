package infra

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestNagAwsSolutions fails on any unsuppressed cdk-nag AwsSolutions error or warning, in
// every stack of the default, the all-features and the CUR-export app.
func TestNagAwsSolutions(t *testing.T) {
	for _, name := range []string{"default", "full", "cur"} {
		s := app(t, name)
		stacks := []awscdk.Stack{s.stacks.Account}
		for _, r := range s.cfg.Regions {
			stacks = append(stacks, s.stacks.Regional[r])
		}
		for _, st := range stacks {
			t.Run(name+"/"+*st.StackName(), func(t *testing.T) {
				ann := assertions.Annotations_FromStack(st)
				match := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
				for _, m := range *ann.FindError(jsii.String("*"), match) {
					t.Errorf("cdk-nag error at %s: %v", *m.Id, m.Entry.Data)
				}
				for _, m := range *ann.FindWarning(jsii.String("*"), match) {
					t.Errorf("cdk-nag warning at %s: %v", *m.Id, m.Entry.Data)
				}
			})
		}
	}
}

// TestNagSuppressionsAreJustified checks every suppression in every template: it carries a
// reason a reviewer can weigh (a full sentence, not a placeholder), and wildcard (IAM5)
// suppressions name the exact findings they cover instead of silencing the whole rule.
func TestNagSuppressionsAreJustified(t *testing.T) {
	count := 0
	for _, name := range []string{"default", "full", "cur"} {
		s := app(t, name)
		for stack, tmpl := range s.tmpl {
			for id, r := range tmpl["Resources"].(map[string]any) {
				md, _ := r.(map[string]any)["Metadata"].(map[string]any)
				nag, _ := md["cdk_nag"].(map[string]any)
				rules, _ := nag["rules_to_suppress"].([]any)
				for _, rule := range rules {
					count++
					rule := rule.(map[string]any)
					reason, _ := rule["reason"].(string)
					if len(reason) < 80 || !strings.HasSuffix(reason, ".") {
						t.Errorf("%s/%s: suppression of %v has reason %q, want a full explanation (at least 80 characters, a sentence)", stack, id, rule["id"], reason)
					}
					if applies, _ := rule["applies_to"].([]any); rule["id"] == "AwsSolutions-IAM5" && len(applies) == 0 {
						t.Errorf("%s/%s: IAM5 suppression without applies_to silences every wildcard of the resource", stack, id)
					}
				}
			}
		}
	}
	if count == 0 {
		t.Fatal("got no suppression at all, want some (the test would be vacuous)")
	}
}
