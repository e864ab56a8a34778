// Package rctab counts ranked-choice contests exactly as RCTab 2.0 (the Ranked Choice
// Voting Resource Center's tabulator) does, from an RCTab contest configuration file,
// and writes RCTab's detailed reports (JSON and CSV, and per-precinct / per-batch
// reports when configured) byte for byte.
//
// Exactness drives the design:
//   - Vote arithmetic uses Dec, a scaled integer that tracks its scale the way
//     java.math.BigDecimal does, because RCTab's reports print "654" or "654.0000"
//     depending on how a value was computed. No count passes through float64.
//   - Where RCTab's output follows java.util.HashMap iteration order, we compute that
//     order from String.hashCode; random tie-breaks use a port of java.util.Random.
//   - Identical rankings are counted together with a weight, which gives the same
//     decimals as counting each paper (see TestGroupingIsInvisible) and makes a
//     million-ballot count take milliseconds once read.
//
// Cast vote records are read from ES&S .xlsx (a small streaming reader on
// archive/zip), NIST CDF JSON and XML, Dominion JSON exports, Clear Ballot CSV, Hart
// XML folders and RCTab's generic CSV. Configurations are validated up front and every
// problem is reported with the field it concerns; a failed count writes nothing.
//
// Use Run (or Count to get the reports without writing them). The tabulator is also
// registered as the ranked method "rctab" of count.Election.
package rctab
