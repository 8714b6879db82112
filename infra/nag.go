package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddChecks applies cdk-nag's AwsSolutions rules to every stack of the app: synthesis then
// reports each unsuppressed finding as an error or warning annotation.
func AddChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppress records, on one resource (and its children), why a cdk-nag rule does not apply.
// appliesTo narrows the suppression to the named findings (e.g. "Resource::*", or a regular
// expression in cdk-nag's /…/ form); without it the whole rule is suppressed for the resource.
func suppress(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		a := make([]any, len(appliesTo))
		for i, v := range appliesTo {
			if strings.HasPrefix(v, "/") {
				a[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(v)}
			} else {
				a[i] = v
			}
		}
		s.AppliesTo = &a
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
