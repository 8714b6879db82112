package invocationlog

import "testing"

func TestParseModelID(t *testing.T) {
	const haiku = "anthropic.claude-3-haiku-20240307-v1:0"
	const h45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
	tests := []struct {
		name       string
		id         string
		want       ModelRef // Raw is filled in from id
		wantBase   string   // BaseModelID
		wantGlobal bool
	}{
		{name: "bare", id: haiku, want: ModelRef{Kind: ModelBare, Base: haiku}, wantBase: haiku},
		{name: "bare of another vendor", id: "ai21.jamba-instruct-v1:0", want: ModelRef{Kind: ModelBare, Base: "ai21.jamba-instruct-v1:0"}, wantBase: "ai21.jamba-instruct-v1:0"},
		{name: "bare legacy", id: "anthropic.claude-v2:1", want: ModelRef{Kind: ModelBare, Base: "anthropic.claude-v2:1"}, wantBase: "anthropic.claude-v2:1"},
		{name: "bare without a vendor", id: "dummy-model-v1", want: ModelRef{Kind: ModelBare, Base: "dummy-model-v1"}, wantBase: "dummy-model-v1"},
		{name: "us profile", id: "us." + h45, want: ModelRef{Kind: ModelProfile, Prefix: "us", Base: h45}, wantBase: h45},
		{name: "us-gov profile", id: "us-gov." + haiku, want: ModelRef{Kind: ModelProfile, Prefix: "us-gov", Base: haiku}, wantBase: haiku},
		{name: "eu profile", id: "eu." + haiku, want: ModelRef{Kind: ModelProfile, Prefix: "eu", Base: haiku}, wantBase: haiku},
		{name: "apac profile", id: "apac." + haiku, want: ModelRef{Kind: ModelProfile, Prefix: "apac", Base: haiku}, wantBase: haiku},
		{name: "jp profile", id: "jp." + h45, want: ModelRef{Kind: ModelProfile, Prefix: "jp", Base: h45}, wantBase: h45},
		{name: "au profile", id: "au." + h45, want: ModelRef{Kind: ModelProfile, Prefix: "au", Base: h45}, wantBase: h45},
		{name: "ca profile", id: "ca." + h45, want: ModelRef{Kind: ModelProfile, Prefix: "ca", Base: h45}, wantBase: h45},
		{name: "global profile", id: "global." + h45, want: ModelRef{Kind: ModelProfile, Prefix: "global", Base: h45}, wantBase: h45, wantGlobal: true},
		{
			name:     "inference-profile ARN",
			id:       "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us." + h45,
			want:     ModelRef{Kind: ModelProfileARN, Prefix: "us", Base: h45, Region: "us-east-1", Account: "111122223333", Resource: "us." + h45},
			wantBase: h45,
		},
		{
			name:     "global inference-profile ARN",
			id:       "arn:aws:bedrock:eu-central-1:111122223333:inference-profile/global." + h45,
			want:     ModelRef{Kind: ModelProfileARN, Prefix: "global", Base: h45, Region: "eu-central-1", Account: "111122223333", Resource: "global." + h45},
			wantBase: h45, wantGlobal: true,
		},
		{
			name:     "GovCloud inference-profile ARN",
			id:       "arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov." + haiku,
			want:     ModelRef{Kind: ModelProfileARN, Prefix: "us-gov", Base: haiku, Region: "us-gov-west-1", Account: "111122223333", Resource: "us-gov." + haiku},
			wantBase: haiku,
		},
		{
			name:     "foundation-model ARN",
			id:       "arn:aws:bedrock:us-west-2::foundation-model/" + haiku,
			want:     ModelRef{Kind: ModelFoundationARN, Base: haiku, Region: "us-west-2", Resource: haiku},
			wantBase: haiku,
		},
		{
			name:     "application-inference-profile ARN",
			id:       "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
			want:     ModelRef{Kind: ModelAppProfileARN, Region: "us-east-1", Account: "111122223333", Resource: "a1b2c3d4e5f6"},
			wantBase: "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
		},
		{
			name:     "provisioned model ARN",
			id:       "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123xyz",
			want:     ModelRef{Kind: ModelOtherARN, Region: "us-east-1", Account: "111122223333", Resource: "abc123xyz"},
			wantBase: "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123xyz",
		},
		{
			name:     "custom model ARN",
			id:       "arn:aws:bedrock:us-east-1:111122223333:custom-model/" + haiku + "/x1y2",
			want:     ModelRef{Kind: ModelOtherARN, Region: "us-east-1", Account: "111122223333", Resource: haiku + "/x1y2"},
			wantBase: "arn:aws:bedrock:us-east-1:111122223333:custom-model/" + haiku + "/x1y2",
		},
		{
			name:     "imported model ARN",
			id:       "arn:aws:bedrock:us-east-1:111122223333:imported-model/m1",
			want:     ModelRef{Kind: ModelOtherARN, Region: "us-east-1", Account: "111122223333", Resource: "m1"},
			wantBase: "arn:aws:bedrock:us-east-1:111122223333:imported-model/m1",
		},
		{
			name:     "ARN of another service",
			id:       "arn:aws:sagemaker:us-east-1:111122223333:endpoint/foundation-model/x",
			want:     ModelRef{Kind: ModelOtherARN, Region: "us-east-1", Account: "111122223333", Resource: "foundation-model/x"},
			wantBase: "arn:aws:sagemaker:us-east-1:111122223333:endpoint/foundation-model/x",
		},
		{
			name:     "foundation-model ARN without a model",
			id:       "arn:aws:bedrock:us-east-1::foundation-model/",
			want:     ModelRef{Kind: ModelOtherARN, Region: "us-east-1"},
			wantBase: "arn:aws:bedrock:us-east-1::foundation-model/",
		},
		{name: "short ARN", id: "arn:aws:bedrock", want: ModelRef{Kind: ModelOtherARN}, wantBase: "arn:aws:bedrock"},
		{name: "prefix only", id: "us.", want: ModelRef{Kind: ModelBare, Base: "us."}, wantBase: "us."},
		{name: "unknown prefix stays bare", id: "xx." + haiku, want: ModelRef{Kind: ModelBare, Base: "xx." + haiku}, wantBase: "xx." + haiku},
		{name: "upper-case prefix stays bare", id: "US." + haiku, want: ModelRef{Kind: ModelBare, Base: "US." + haiku}, wantBase: "US." + haiku},
		{name: "empty", id: "", want: ModelRef{Kind: ModelBare}, wantBase: ""},
		{name: "garbage", id: "not a model", want: ModelRef{Kind: ModelBare, Base: "not a model"}, wantBase: "not a model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseModelID(tt.id)
			want := tt.want
			want.Raw = tt.id
			if got != want {
				t.Errorf("ParseModelID(%q)\n got %+v\nwant %+v", tt.id, got, want)
			}
			if b := BaseModelID(tt.id); b != tt.wantBase {
				t.Errorf("BaseModelID(%q) got %q, want %q", tt.id, b, tt.wantBase)
			}
			if got.Global() != tt.wantGlobal {
				t.Errorf("Global() got %v, want %v", got.Global(), tt.wantGlobal)
			}
		})
	}
}

func TestParseModelIDAllocations(t *testing.T) {
	id := "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
	if n := testing.AllocsPerRun(100, func() { _ = ParseModelID(id) }); n != 0 {
		t.Errorf("ParseModelID allocations got %v, want 0", n)
	}
}
