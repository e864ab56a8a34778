// Compares gocount's and count-npm.js's JSON: time ratio and wards where the winners differ.
// usage: node compare.js GO.json NPM.json
'use strict';
const fs = require('fs');
const go = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const npm = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const wards = Object.keys(go.winners).filter(w => w in npm.winners).sort();
console.log(`wards counted: rulebook ${Object.keys(go.winners).length}, npm stv ${Object.keys(npm.winners).length}, both ${wards.length}`);
console.log(`rulebook (Go): parse ${go.parse_ms.toFixed(1)} ms, count ${go.count_ms.toFixed(1)} ms`);
console.log(`npm stv (node): parse ${npm.parse_ms.toFixed(1)} ms, count ${npm.count_ms.toFixed(1)} ms`);
console.log(`count time ratio npm/rulebook: ${(npm.count_ms / go.count_ms).toFixed(1)}x`);
for (const [k, v] of Object.entries(go.errors)) console.log(`rulebook refused ${k}: ${v}`);
for (const [k, v] of Object.entries(npm.errors)) console.log(`npm stv failed ${k}: ${v}`);
let differ = 0;
for (const w of wards) {
  const a = go.winners[w].join(','), b = npm.winners[w].join(',');
  if (a !== b) {
    differ++;
    console.log(`winners differ: ${w}: rulebook [${a}] npm stv [${b}]`);
  }
}
console.log(`winners differ in ${differ} of ${wards.length} wards`);
