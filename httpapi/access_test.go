package httpapi

// accessScenario plays, after the case scenario, what accounts, tokens, the
// complaint form, the parties' messages and the survey do over the API. {{admin}}
// is an administrator's Authorization header and {{dee}} that of the member dee,
// complainant in case D-1, which the case scenario closed.
var accessScenario = []step{
	{name: "who am I", method: "GET", path: "/api/v1/me", status: 200, want: map[string]any{"account.name": officer, "roles_in_force.0": "officer", "via": "token"}},
	{name: "no one", method: "GET", path: "/api/v1/me", hdr: map[string]string{"Authorization": ""}, status: 401, want: code("unauthorized")},

	// Accounts are the administrator's, and only theirs.
	{name: "accounts", method: "GET", path: "/api/v1/accounts", hdr: map[string]string{"Authorization": "{{admin}}"}, status: 200, want: map[string]any{"accounts.#": 3}},
	{name: "accounts, not for an officer", method: "GET", path: "/api/v1/accounts", status: 403, want: code("forbidden")},
	{name: "create an account", method: "POST", path: "/api/v1/accounts", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"name":"new.clerk","display":"New Clerk","roles":["officer"],"password":"a long enough password"}`, status: 201,
		want: map[string]any{"account.name": "new.clerk", "account.roles.0": "officer"}},
	{name: "a weak password", method: "POST", path: "/api/v1/accounts", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"name":"weak","display":"W","roles":["officer"],"password":"short"}`, status: 400, want: invalid("password")},
	{name: "a role the rule book lacks", method: "POST", path: "/api/v1/accounts", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"name":"odd","display":"O","roles":["emperor"],"password":"a long enough password"}`, status: 400, want: invalid("roles")},
	{name: "an account", method: "GET", path: "/api/v1/accounts/new.clerk", hdr: map[string]string{"Authorization": "{{admin}}"}, status: 200, want: map[string]any{"account.display": "New Clerk"}},
	{name: "another's account", method: "GET", path: "/api/v1/accounts/new.clerk", status: 403, want: code("forbidden")},
	{name: "disable it", method: "PATCH", path: "/api/v1/accounts/new.clerk", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"display":"New Clerk","roles":["officer"],"disabled":true}`, status: 200, want: map[string]any{"account.disabled": true}},
	{name: "reset its password", method: "POST", path: "/api/v1/accounts/new.clerk/password", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"password":"another long password"}`, status: 200, want: map[string]any{"changed": true}},
	{name: "reset its second factor", method: "POST", path: "/api/v1/accounts/new.clerk/second-factor/reset", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{}`, status: 200, want: map[string]any{"reset": true}},
	{name: "the last administrator stays", method: "PATCH", path: "/api/v1/accounts/admin.ann", hdr: map[string]string{"Authorization": "{{admin}}"},
		body: `{"display":"Ann","roles":["officer"]}`, status: 422, want: code("not_permitted")},

	// Tokens are their account's own.
	{name: "a token", method: "POST", path: "/api/v1/tokens", body: `{"label":"script","expires":"2030-01-01"}`, status: 201,
		want: map[string]any{"token": "*", "info.label": "script", "info.account": officer}, save: map[string]string{"tok": "info.id", "secret": "token"}},
	{name: "tokens", method: "GET", path: "/api/v1/accounts/" + officer + "/tokens", status: 200, want: map[string]any{"tokens.#": 2}, absent: []string{"rbk_"}},
	{name: "the new token works", method: "GET", path: "/api/v1/me", hdr: map[string]string{"Authorization": "Bearer {{secret}}"}, status: 200},
	{name: "revoke it", method: "DELETE", path: "/api/v1/tokens/{{tok}}", status: 200, want: map[string]any{"revoked": true}},
	{name: "revoked, it is refused", method: "GET", path: "/api/v1/me", hdr: map[string]string{"Authorization": "Bearer {{secret}}"}, status: 401},
	{name: "revoke it twice", method: "DELETE", path: "/api/v1/tokens/{{tok}}", status: 409, want: code("conflict")},

	// The complaint form, without an account.
	{name: "an anonymous complaint", method: "POST", path: "/api/v1/reports", hdr: map[string]string{"Authorization": ""},
		body: `{"about":"Pat Penn","about_unit":"North","summary":"Shouted at volunteers at the count."}`, status: 201,
		want: map[string]any{"id": "*", "key": "*"}, save: map[string]string{"report": "id", "key": "key"}},
	{name: "follow it", method: "POST", path: "/api/v1/reports/status", hdr: map[string]string{"Authorization": ""}, body: `{"key":"{{key}}"}`, status: 200,
		want: map[string]any{"id": "{{report}}", "stage": "made"}},
	{name: "a wrong key", method: "POST", path: "/api/v1/reports/status", hdr: map[string]string{"Authorization": ""}, body: `{"key":"AAAAA-BBBBB-CCCCC-DDDDD"}`, status: 404},
	{name: "add to it", method: "POST", path: "/api/v1/reports/information", hdr: map[string]string{"Authorization": ""}, body: `{"key":"{{key}}","text":"It happened twice."}`, status: 201},
	{name: "complaints waiting", method: "GET", path: "/api/v1/complaints?waiting=true", status: 200, want: map[string]any{"complaints.0.id": "{{report}}", "complaints.0.complainant": "anonymous"}},
	{name: "receive it", method: "POST", path: "/api/v1/complaints", body: `{"id":"{{report}}","respondent":"pat","clauses":["2.I.8"],"received":"2016-10-01"}`, status: 201,
		want: map[string]any{"complaint.complainant": "anonymous", "complaint.via": "form", "complaint.summary": "Shouted at volunteers at the count."}},
	{name: "received, it is followed so", method: "POST", path: "/api/v1/reports/status", hdr: map[string]string{"Authorization": ""}, body: `{"key":"{{key}}"}`, status: 200,
		want: map[string]any{"stage": "received", "information.0.text": "It happened twice."}},

	// A party to the case: the complainant dee sees their own complaint and case.
	{name: "dee's complaints", method: "GET", path: "/api/v1/complaints", hdr: map[string]string{"Authorization": "{{dee}}"}, status: 200, want: map[string]any{"complaints.#": 1, "complaints.0.id": "C-1"}},
	{name: "dee adds to it", method: "POST", path: "/api/v1/complaints/C-1/information", hdr: map[string]string{"Authorization": "{{dee}}"}, body: `{"text":"A witness: Pat."}`, status: 201},
	{name: "not to another's", method: "POST", path: "/api/v1/complaints/C-2/information", hdr: map[string]string{"Authorization": "{{dee}}"}, body: `{"text":"x"}`, status: 404},
	{name: "dee's case, as complainant", method: "GET", path: "/api/v1/cases/D-1", hdr: map[string]string{"Authorization": "{{dee}}"}, status: 200,
		want: map[string]any{"as": "complainant", "case.complainants.1": "[complainant 2 withheld]", "case.panel": "-", "steps.#": 0}},
	{name: "dee cannot step", method: "POST", path: "/api/v1/cases/D-1/steps", hdr: map[string]string{"Authorization": "{{dee}}"},
		body: `{"transition":"review","body":"nec","date":"2016-10-01"}`, status: 403, want: code("forbidden")},
	{name: "dee writes", method: "POST", path: "/api/v1/cases/D-1/messages", hdr: map[string]string{"Authorization": "{{dee}}"}, body: `{"text":"Thank you."}`, status: 202,
		want: map[string]any{"recorded": "message"}},
	{name: "dee's surveys", method: "GET", path: "/api/v1/surveys", hdr: map[string]string{"Authorization": "{{dee}}"}, status: 200,
		want: map[string]any{"invitations.0.case": "D-1", "invitations.0.party": "complainant", "questions.#": 4}},
	{name: "dee answers", method: "POST", path: "/api/v1/surveys/D-1", hdr: map[string]string{"Authorization": "{{dee}}"}, body: `{"scores":{"fair":4,"confidence":3}}`, status: 201},
	{name: "once", method: "POST", path: "/api/v1/surveys/D-1", hdr: map[string]string{"Authorization": "{{dee}}"}, body: `{"scores":{"fair":4}}`, status: 404},
	{name: "results, suppressed", method: "GET", path: "/api/v1/survey-results", status: 200, want: map[string]any{"results.#": 2, "results.0.answers": "<5", "results.0.average": "—"}},
	{name: "results, not for a member", method: "GET", path: "/api/v1/survey-results", hdr: map[string]string{"Authorization": "{{dee}}"}, status: 403},

	// Case roles and the case team's notes.
	{name: "assign an investigator", method: "POST", path: "/api/v1/cases/D-1/roles", body: `{"person":"new.clerk","role":"investigator","reason":"review of the file"}`, status: 201,
		want: map[string]any{"case.roles.0.person": "new.clerk"}},
	{name: "not a party as investigator", method: "POST", path: "/api/v1/cases/D-1/roles", body: `{"person":"ann","role":"investigator"}`, status: 422},
	{name: "a note", method: "POST", path: "/api/v1/cases/D-1/messages", body: `{"text":"File reviewed."}`, status: 202, want: map[string]any{"recorded": "message"}},
	{name: "panel candidates", method: "GET", path: "/api/v1/panel-candidates?body=ncc", status: 200, want: map[string]any{"body": "ncc", "candidates.#": 0}},
	{name: "published statistics", method: "GET", path: "/api/v1/public/statistics", hdr: map[string]string{"Authorization": ""}, status: 200,
		want: map[string]any{"organisation": "Example Labour-style Party", "quarters": "*"}},

	// Erasure: this rule book gives no retention schedule, so nothing is due.
	{name: "retention due", method: "GET", path: "/api/v1/retention?on=2016-10-01", status: 200, want: map[string]any{"on": "2016-10-01", "erased": false, "records.#": 0}},
	{name: "retention bad day", method: "GET", path: "/api/v1/retention?on=soon", status: 400, want: invalid("on")},
	{name: "retention, not for a member", method: "GET", path: "/api/v1/retention", hdr: map[string]string{"Authorization": "{{dee}}"}, status: 403},
	{name: "retention run without its day", method: "POST", path: "/api/v1/retention", body: `{}`, status: 400, want: invalid("on")},
	{name: "retention run", method: "POST", path: "/api/v1/retention", body: `{"on":"2016-10-01"}`, status: 200, want: map[string]any{"erased": true, "records.#": 0}},
	{name: "erasure request without its reason", method: "POST", path: "/api/v1/members/ann/erasure", body: `{"reason":" "}`, status: 400, want: invalid("reason")},
	{name: "erasure request, not a member's own", method: "POST", path: "/api/v1/members/dee/erasure", body: `{"reason":"mine"}`, hdr: map[string]string{"Authorization": "{{dee}}"}, status: 403},
	{name: "erasure of nobody", method: "POST", path: "/api/v1/members/zed/erasure", body: `{"reason":"request of 1 October 2016"}`, status: 404},
}
