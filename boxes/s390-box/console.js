// The host end of the s390 box's console channel (see scripts/s390-box/init): follows
// the Hercules log, writes the command's output to stdout as its chunks arrive, writes
// the tar of $S390_BOX_OUT to a file, and exits with the command's exit status.
//   node console.js LOG TGZ TIMEOUT_S HERCULES_PID
// Exits 2 (reason on stderr) when the box did not come up or the log shows the guest
// died before the end line; 124 when TIMEOUT_S passed; 3 when output was lost on the way
// (chunks missing or the checksum wrong: the exit status then still says how the command
// ended, on stderr).
'use strict';
const fs = require('fs');
const crypto = require('crypto');

const [logPath, tgzPath, timeoutS, herculesPid] = process.argv.slice(2);
const started = Date.now();
const deadline = started + Number(timeoutS) * 1000;
const say = (text) => process.stderr.write(`s390-box: ${text}\n`);

const streams = { D: { next: 0, parts: [], lost: 0 }, F: { next: 0, parts: [], lost: 0 } };
let readyAt = null;
let offset = 0;
let pending = '';
let tail = []; // the last log lines that are not the box's, for a failure's reason

function alive(pid) {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

function finish(code, reason) {
  if (reason) say(reason);
  process.exitCode = code;
  clearInterval(timer);
}

function chunk(tag, seq, text) {
  const stream = streams[tag];
  if (seq < stream.next) return; // a repeat
  if (seq > stream.next) {
    say(`output chunks ${stream.next}..${seq - 1} (${tag}) were lost on the console`);
    stream.lost += seq - stream.next;
  }
  const data = Buffer.from(text, 'base64');
  stream.parts.push(data);
  stream.next = seq + 1;
  if (tag === 'D') process.stdout.write(data);
}

function end(fields) {
  const [status, bytes, md5, fbytes, fmd5] = fields;
  const check = (tag, want, wantMd5) => {
    const all = Buffer.concat(streams[tag].parts);
    const md5Now = crypto.createHash('md5').update(all).digest('hex');
    if (all.length !== Number(want) || (wantMd5 !== '-' && md5Now !== wantMd5)) {
      say(
        `${tag === 'D' ? 'output' : 'S390_BOX_OUT'}: got ${all.length} bytes (md5 ${md5Now}), ` +
          `the guest sent ${want} (md5 ${wantMd5})`,
      );
      return null;
    }
    return all;
  };
  const out = check('D', bytes, md5);
  const files = Number(fbytes) > 0 ? check('F', fbytes, fmd5) : Buffer.alloc(0);
  if (files && files.length) fs.writeFileSync(tgzPath, files);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  say(`the command exited ${status}; boot ${readyAt === null ? '?' : readyAt.toFixed(1)} s, whole run ${secs} s`);
  if (!out || !files) return finish(3, `output lost on the console; the command's exit status was ${status}`);
  finish(Number(status));
}

function line(text) {
  const at = text.indexOf('S390BOX:');
  if (at < 0) {
    if (text.trim()) tail = [...tail.slice(-19), text];
    // A Hercules error before the guest is up (an IPL file it cannot load), a panic, a
    // disabled wait (the guest stopped its CPU), or Hercules shutting down.
    if ((readyAt === null && /^HHC\w+E /.test(text)) || /Kernel panic|disabled wait|HHCIN900I/i.test(text)) {
      finish(2, `${readyAt === null ? 'the box did not come up' : 'the guest died'}: ${text.trim()}`);
    }
    return;
  }
  const [kind, ...fields] = text
    .slice(at + 8)
    .trim()
    .split(':');
  if (kind === 'READY') {
    readyAt = (Date.now() - started) / 1000;
    say(`booted in ${readyAt.toFixed(1)} s (guest uptime ${fields[0]} s); running the command`);
  } else if (kind === 'FAIL') {
    finish(2, `the box could not be set up: ${fields.join(':')}`);
  } else if (kind === 'D' || kind === 'F') {
    chunk(kind, Number(fields[0]), fields[1] || '');
  } else if (kind === 'E') {
    end(fields);
  }
}

function poll() {
  let fd;
  try {
    fd = fs.openSync(logPath, 'r');
    const buf = Buffer.alloc(1 << 16);
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0) {
      offset += n;
      pending += buf.toString('latin1', 0, n);
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const l of lines) {
        line(l);
        if (process.exitCode !== undefined) return;
      }
    }
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (Date.now() > deadline) {
    const when = readyAt === null ? 'before the guest was up' : 'while the command ran';
    return finish(readyAt === null ? 2 : 124, `S390_BOX_TIMEOUT (${timeoutS} s) passed ${when}`);
  }
  if (!alive(herculesPid)) {
    finish(2, `Hercules ended before the guest's end line; its last lines:\n${tail.join('\n')}`);
  }
}

const timer = setInterval(poll, 100);
