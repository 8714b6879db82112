package invocationlog

import "testing"

func TestParseARN(t *testing.T) {
	type who struct{ principal, app, user string }
	tests := []struct {
		name string
		arn  string
		want Caller // Raw is filled in from arn
		who  who
	}{
		{
			name: "assumed role",
			arn:  "arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/session-17",
			want: Caller{Kind: CallerAssumedRole, Partition: "aws", Account: "111122223333", Role: "ChatbotApp-BedrockRole", Session: "session-17"},
			who:  who{"ChatbotApp-BedrockRole", "ChatbotApp-BedrockRole", "session-17"},
		},
		{
			name: "assumed role with an e-mail session",
			arn:  "arn:aws:sts::795142007471:assumed-role/BEDROCKPLAYGROUNDACCESS/uwga@example.com",
			want: Caller{Kind: CallerAssumedRole, Partition: "aws", Account: "795142007471", Role: "BEDROCKPLAYGROUNDACCESS", Session: "uwga@example.com"},
			who:  who{"BEDROCKPLAYGROUNDACCESS", "BEDROCKPLAYGROUNDACCESS", "uwga@example.com"},
		},
		{
			name: "assumed role without a session",
			arn:  "arn:aws:sts::1:assumed-role/Role/",
			want: Caller{Kind: CallerAssumedRole, Partition: "aws", Account: "1", Role: "Role"},
			who:  who{"Role", "Role", ""},
		},
		{
			name: "service-linked role session",
			arn:  "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAmazonBedrock/bedrock-agent",
			want: Caller{Kind: CallerAssumedRole, Partition: "aws", Account: "111122223333", Role: "AWSServiceRoleForAmazonBedrock", Session: "bedrock-agent"},
			who:  who{"AWSServiceRoleForAmazonBedrock", "AWSServiceRoleForAmazonBedrock", "bedrock-agent"},
		},
		{
			name: "Identity Center",
			arn:  "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com",
			want: Caller{Kind: CallerIdentityCenter, Partition: "aws", Account: "111122223333", Role: "AWSReservedSSO_Admin_0123456789abcdef", Session: "jane@example.com", PermissionSet: "Admin"},
			who:  who{"jane@example.com", "", "jane@example.com"},
		},
		{
			name: "Identity Center permission set with underscores",
			arn:  "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Data_Science_RO_fedcba9876543210/bob",
			want: Caller{Kind: CallerIdentityCenter, Partition: "aws", Account: "111122223333", Role: "AWSReservedSSO_Data_Science_RO_fedcba9876543210", Session: "bob", PermissionSet: "Data_Science_RO"},
			who:  who{"bob", "", "bob"},
		},
		{
			name: "Identity Center role ARN",
			arn:  "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
			want: Caller{Kind: CallerIdentityCenter, Partition: "aws", Account: "111122223333", Path: "/aws-reserved/sso.amazonaws.com/eu-west-1/", Role: "AWSReservedSSO_Admin_0123456789abcdef", PermissionSet: "Admin"},
			who:  who{"AWSReservedSSO_Admin_0123456789abcdef", "", ""},
		},
		{
			name: "IAM user",
			arn:  "arn:aws:iam::111111111111:user/john.doe@example.com",
			want: Caller{Kind: CallerIAMUser, Partition: "aws", Account: "111111111111", Path: "/", Name: "john.doe@example.com"},
			who:  who{"john.doe@example.com", "", "john.doe@example.com"},
		},
		{
			name: "IAM user with a path",
			arn:  "arn:aws:iam::111122223333:user/division/team/MobileApp",
			want: Caller{Kind: CallerIAMUser, Partition: "aws", Account: "111122223333", Path: "/division/team/", Name: "MobileApp"},
			who:  who{"MobileApp", "", "MobileApp"},
		},
		{
			name: "IAM user without a name",
			arn:  "arn:aws:iam::111122223333:user/",
			want: Caller{Kind: CallerOther, Partition: "aws", Account: "111122223333"},
			who:  who{"arn:aws:iam::111122223333:user/", "", ""},
		},
		{
			name: "IAM role",
			arn:  "arn:aws:iam::111122223333:role/service-role/DataAnalysisApp-BedrockRole",
			want: Caller{Kind: CallerIAMRole, Partition: "aws", Account: "111122223333", Path: "/service-role/", Role: "DataAnalysisApp-BedrockRole"},
			who:  who{"DataAnalysisApp-BedrockRole", "DataAnalysisApp-BedrockRole", ""},
		},
		{
			name: "federated user",
			arn:  "arn:aws:sts::111122223333:federated-user/Bob",
			want: Caller{Kind: CallerFederatedUser, Partition: "aws", Account: "111122223333", Name: "Bob"},
			who:  who{"Bob", "", "Bob"},
		},
		{
			name: "root",
			arn:  "arn:aws:iam::111122223333:root",
			want: Caller{Kind: CallerRoot, Partition: "aws", Account: "111122223333", Name: "root"},
			who:  who{"root", "", "root"},
		},
		{
			name: "GovCloud assumed role",
			arn:  "arn:aws-us-gov:sts::123456789012:assumed-role/App/s1",
			want: Caller{Kind: CallerAssumedRole, Partition: "aws-us-gov", Account: "123456789012", Role: "App", Session: "s1"},
			who:  who{"App", "App", "s1"},
		},
		{
			name: "China IAM user",
			arn:  "arn:aws-cn:iam::123456789012:user/li",
			want: Caller{Kind: CallerIAMUser, Partition: "aws-cn", Account: "123456789012", Path: "/", Name: "li"},
			who:  who{"li", "", "li"},
		},
		{
			name: "placeholder account kept",
			arn:  "arn:aws:iam::<YOUR_ACCOUNT_ID>:user/<YOUR_USERNAME>",
			want: Caller{Kind: CallerIAMUser, Partition: "aws", Account: "<YOUR_ACCOUNT_ID>", Path: "/", Name: "<YOUR_USERNAME>"},
			who:  who{"<YOUR_USERNAME>", "", "<YOUR_USERNAME>"},
		},
		{
			name: "other service",
			arn:  "arn:aws:lambda:us-east-1:111122223333:function:my-fn",
			want: Caller{Kind: CallerOther, Partition: "aws", Account: "111122223333"},
			who:  who{"arn:aws:lambda:us-east-1:111122223333:function:my-fn", "", ""},
		},
		{
			name: "sts of another shape",
			arn:  "arn:aws:sts::111122223333:self",
			want: Caller{Kind: CallerOther, Partition: "aws", Account: "111122223333"},
			who:  who{"arn:aws:sts::111122223333:self", "", ""},
		},
		{
			name: "assumed role without a role",
			arn:  "arn:aws:sts::1:assumed-role//s",
			want: Caller{Kind: CallerOther, Partition: "aws", Account: "1"},
			who:  who{"arn:aws:sts::1:assumed-role//s", "", ""},
		},
		{name: "redacted", arn: "<redacted>", want: Caller{Kind: CallerUnknown}, who: who{"<redacted>", "", ""}},
		{name: "empty", arn: "", want: Caller{Kind: CallerUnknown}, who: who{"", "", ""}},
		{name: "too few parts", arn: "arn:aws:iam::user/x", want: Caller{Kind: CallerUnknown}, who: who{"arn:aws:iam::user/x", "", ""}},
		{name: "no partition", arn: "arn::iam::1:root", want: Caller{Kind: CallerUnknown}, who: who{"arn::iam::1:root", "", ""}},
		{name: "upper-case scheme", arn: "ARN:aws:iam::1:root", want: Caller{Kind: CallerUnknown}, who: who{"ARN:aws:iam::1:root", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseARN(tt.arn)
			want := tt.want
			want.Raw = tt.arn
			if got != want {
				t.Errorf("ParseARN(%q)\n got %+v\nwant %+v", tt.arn, got, want)
			}
			if g := (who{got.Principal(), got.App(), got.User()}); g != tt.who {
				t.Errorf("principal, app, user got %q, want %q", g, tt.who)
			}
		})
	}
}

func TestParseARNAllocations(t *testing.T) {
	arn := "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com"
	if n := testing.AllocsPerRun(100, func() { _ = ParseARN(arn) }); n != 0 {
		t.Errorf("ParseARN allocations got %v, want 0", n)
	}
}
