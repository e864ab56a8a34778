package web

import (
	"net/url"
	"testing"

	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/discipline"
)

// TestCommandFormCounts reads a step form's counted sanction, amount, second
// sanction, seriousness and standard punishment into the command the engine takes.
func TestCommandFormCounts(t *testing.T) {
	f := url.Values{"transition": {"sanction"}, "body": {"disciplinary_commission"}, "date": {"2024-04-24"},
		"sanction": {"match_ban"}, "sanction_count": {"3"}, "sanction_also": {"fine"}, "sanction_also_amount": {"GBP 250.00"},
		"seriousness": {"high"}, "departure": {" repeated "}, "standard": {"sending_off"}}
	cmd, err := commandFrom(f, &discipline.Case{})
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Sanction == nil || cmd.Sanction.Count != 3 || len(cmd.Sanctions) != 1 || cmd.Sanctions[0].Amount != (rulebook.Money{Currency: "GBP", Minor: 25000}) ||
		cmd.Seriousness != "high" || cmd.Departure != "repeated" || cmd.Standard != "sending_off" {
		t.Errorf("command: %+v %+v", cmd, cmd.Sanction)
	}
	for field, bad := range map[string]url.Values{
		"sanction.count":      {"sanction_count": {"none"}},
		"sanction.amount":     {"sanction_amount": {"1,500"}},
		"sanctions[1].amount": {"sanction_also": {"fine"}, "sanction_also_amount": {"GBP x"}},
	} {
		g := url.Values{"transition": {"sanction"}, "body": {"b"}, "date": {"2024-04-24"}, "sanction": {"match_ban"}}
		for k, v := range bad {
			g[k] = v
		}
		_, err := commandFrom(g, &discipline.Case{})
		if e, ok := err.(*rulebook.Error); !ok || e.Field != field {
			t.Errorf("%s: %v, want an error on that field", field, err)
		}
	}
}
