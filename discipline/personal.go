package discipline

import (
	"github.com/rulebook/rulebook"
	"github.com/rulebook/rulebook/sqldb"
)

// The personal fields of the case events: what was said of and by people, held
// apart from the record so that it can be erased when the case's retention
// period ends (rulebook.DeclarePersonal). Ids, dates, states, clauses and
// outcomes stay: they are what the statistics and the chain are made of.
func init() {
	rulebook.DeclarePersonal(EventCaseOpened, "summary")
	rulebook.DeclarePersonal(EventStep, "rationale", "departure", "charges.*.particulars", "charges.*.reasons", "findings.*.reasons")
	rulebook.DeclarePersonal(EventMessage, "text")
	rulebook.DeclarePersonal(EventContact, "summary")
	rulebook.DeclarePersonal(EventMitigation, "summary")
	rulebook.DeclarePersonal(EventComplainantsUpdated, "text")
	rulebook.DeclarePersonal(EventCaseCorrected, "reason")
	rulebook.DeclarePersonal(EventConflictDeclared, "reason")
	rulebook.DeclarePersonal(EventIdentityWithheld, "reason")
	rulebook.DeclarePersonal(EventCaseRoleGranted, "reason")
	rulebook.DeclarePersonal(EventListEntry, "name")
}

// Reproject writes one case's projection again from its events, inside a's
// transaction: after an erasure, without the fields erased.
func (s *Service) Reproject(a *sqldb.Appender, caseID string) error {
	evs, err := a.CaseEvents(subject(caseID))
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		return rulebook.Errorf(rulebook.ENotFound, "no case %q", caseID)
	}
	c, steps, err := s.replay(evs)
	if err != nil {
		return err
	}
	if err := a.DeleteCaseSteps(caseID); err != nil {
		return err
	}
	for _, r := range steps {
		a.AddCaseStep(r)
	}
	return s.put(a, c, c.lastSeq)
}
