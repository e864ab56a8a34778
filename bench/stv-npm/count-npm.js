// Counts every BLT file in a folder with the npm "stv" package (built from its
// TypeScript sources) in one node process; prints JSON like gocount's.
// usage: node count-npm.js STV_BUILD_DIR BLT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const { stv } = require(path.resolve(process.argv[2], 'index.js'));
const dir = process.argv[3];

// Minimal BLT reading: header, "weight prefs... 0" lines, "0". Candidates are
// named by 1-based position, so names' quoting dialects do not matter.
function parseBLT(text) {
  const lines = text.split(/\r?\n/);
  const head = lines[0].trim().split(/\s+/);
  const n = Number(head[0]), seats = Number(head[1]);
  if (!Number.isInteger(n) || !Number.isInteger(seats) || !/^\d+$/.test(head[1])) throw new Error('bad header');
  const candidates = [];
  for (let i = 1; i <= n; i++) candidates.push(String(i));
  const votes = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f[0] === '') continue;
    if (f[0] === '0') break;
    if (f[0].startsWith('-')) continue;
    if (!/^\d+$/.test(f[0]) || f[f.length - 1] !== '0') throw new Error('bad ballot line ' + (i + 1));
    votes.push({ weight: Number(f[0]), preferences: f.slice(1, -1) });
  }
  return { candidates, votes, seatsToFill: seats };
}

const out = { parse_ms: 0, count_ms: 0, winners: {}, errors: {} };
const files = fs.readdirSync(dir).filter(f => f.endsWith('.blt')).sort();
const elections = [];
let t0 = process.hrtime.bigint();
for (const f of files) {
  const name = f.slice(0, -4);
  try {
    elections.push([name, parseBLT(fs.readFileSync(path.join(dir, f), 'utf8'))]);
  } catch (e) {
    out.errors[name] = String(e.message);
  }
}
let t1 = process.hrtime.bigint();
const results = [];
for (const [name, e] of elections) {
  try {
    results.push([name, stv(e)]);
  } catch (err) {
    out.errors[name] = String(err.message);
  }
}
let t2 = process.hrtime.bigint();
out.parse_ms = Number(t1 - t0) / 1e6;
out.count_ms = Number(t2 - t1) / 1e6;
for (const [name, r] of results) {
  out.winners[name] = r.winners.map(Number).sort((a, b) => a - b);
}
process.stdout.write(JSON.stringify(out) + '\n');
