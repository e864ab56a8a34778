package web

// pageRoutes is the route table of the pages. Every route is listed here, so that
// the access matrix test can walk them all.
func (s *Server) pageRoutes() []route {
	return []route{
		// Public: the landing page, signing in, the complaint form, the published
		// statistics and the rule book.
		{pattern: "GET /{$}", handle: s.home, public: true},
		{pattern: "GET /signin", handle: s.signInPage, public: true},
		{pattern: "POST /signin", handle: s.signIn, public: true},
		{pattern: "GET /signin/code", handle: s.codePage},
		{pattern: "POST /signin/code", handle: s.giveCode},
		{pattern: "POST /signout", handle: s.signOut, public: true},
		{pattern: "GET /report", handle: s.reportPage, public: true},
		{pattern: "POST /report", handle: s.report, public: true},
		{pattern: "GET /report/follow", handle: s.followPage, public: true},
		{pattern: "POST /report/follow", handle: s.follow, public: true},
		{pattern: "POST /report/information", handle: s.reportInformation, public: true},
		{pattern: "POST /report/survey", handle: s.reportSurvey, public: true},
		{pattern: "GET /transparency", handle: s.transparency, public: true},
		{pattern: "GET /rules", handle: s.rulesIndex, public: true},
		{pattern: "GET /rules/diff", handle: s.rulesDiff, public: true},
		{pattern: "GET /rules/{version}", handle: s.rulesVersion, public: true},

		// One's own account.
		{pattern: "GET /account", handle: s.accountPage},
		{pattern: "POST /account/password", handle: s.changePassword},
		{pattern: "GET /account/second-factor", handle: s.enrolPage},
		{pattern: "POST /account/second-factor", handle: s.enrol},
		{pattern: "POST /account/tokens", handle: s.createToken},
		{pattern: "POST /account/tokens/{id}/revoke", handle: s.revokeToken},

		{pattern: "GET /dashboard", handle: s.dashboard},

		// The register.
		{pattern: "GET /members", handle: s.membersPage},
		{pattern: "GET /members/{id}", handle: s.memberPage},

		// Complaints and cases.
		{pattern: "GET /complaints", handle: s.complaintsPage},
		{pattern: "GET /complaints/new", handle: s.newComplaintPage},
		{pattern: "POST /complaints", handle: s.receiveComplaint},
		{pattern: "GET /complaints/{id}", handle: s.complaintPage},
		{pattern: "POST /complaints/{id}/information", handle: s.complaintInformation},
		{pattern: "GET /cases", handle: s.casesPage},
		{pattern: "POST /cases", handle: s.openCase},
		{pattern: "GET /cases/{id}", handle: s.casePage},
		{pattern: "POST /cases/{id}/steps", handle: s.takeStep},
		{pattern: "POST /cases/{id}/records", handle: s.caseRecord},
		{pattern: "POST /cases/{id}/messages", handle: s.caseMessage},
		{pattern: "GET /cases/{id}/letters/{template}", handle: s.caseLetter},
		{pattern: "GET /cases/{id}/bundle", handle: s.bundlePage},
		{pattern: "GET /cases/{id}/bundle.pdf", handle: s.bundlePDF},
		{pattern: "GET /write", handle: s.writePage},
		{pattern: "POST /write", handle: s.write},
		{pattern: "GET /surveys/{case}", handle: s.surveyPage},
		{pattern: "POST /surveys/{case}", handle: s.answerSurvey},

		// Reports and oversight.
		{pattern: "GET /deadlines", handle: s.deadlinesPage},
		{pattern: "GET /statistics", handle: s.statisticsPage},
		{pattern: "GET /precedents", handle: s.precedentsPage},
		{pattern: "GET /interference", handle: s.interferencePage},
		{pattern: "GET /access-log", handle: s.accessLogPage},
		{pattern: "GET /verify", handle: s.verifyPage},

		// Erasure of personal data: the retention schedule, and requests.
		{pattern: "GET /erasure", handle: s.erasurePage},
		{pattern: "POST /erasure/retention", handle: s.runRetention},
		{pattern: "POST /erasure/request", handle: s.eraseOnRequest},

		// Counting.
		{pattern: "GET /count", handle: s.countPage},
		{pattern: "POST /count", handle: s.count, upload: true},

		// Candidate selections, and the ballots a member casts online.
		{pattern: "GET /selections", handle: s.selectionsPage},
		{pattern: "POST /selections", handle: s.openSelection},
		{pattern: "GET /selections/{id}", handle: s.selectionPage},
		{pattern: "POST /selections/{id}/steps", handle: s.selectionStep},
		{pattern: "GET /selections/{id}/electorate/check", handle: s.electorateCheckPage},
		{pattern: "GET /triggers", handle: s.triggersPage},
		{pattern: "POST /triggers", handle: s.openTrigger},
		{pattern: "GET /triggers/{id}", handle: s.triggerPage},
		{pattern: "POST /triggers/{id}/steps", handle: s.triggerStep},
		{pattern: "GET /elections", handle: s.electionsPage},
		{pattern: "GET /elections/{id}", handle: s.electionPage},
		{pattern: "GET /ballots", handle: s.ballotsPage},
		{pattern: "GET /ballots/{id}", handle: s.ballotPage},
		{pattern: "POST /ballots/{id}", handle: s.castBallot},

		// Accounts, for administrators.
		{pattern: "GET /admin/accounts", handle: s.accountsPage},
		{pattern: "POST /admin/accounts", handle: s.createAccount},
		{pattern: "GET /admin/accounts/{name}", handle: s.adminAccountPage},
		{pattern: "POST /admin/accounts/{name}", handle: s.changeAccount},
		{pattern: "POST /admin/accounts/{name}/password", handle: s.resetPassword},
		{pattern: "POST /admin/accounts/{name}/second-factor", handle: s.resetSecondFactor},
	}
}
