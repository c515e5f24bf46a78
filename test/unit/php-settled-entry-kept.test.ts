// php-settled-entry-kept: pending entries settled but never removed.
import rule from '../../server/src/engine/rules/php-settled-entry-kept';
import { ruleTester } from './rule-tester';

const php = (...lines: string[]) => `<?php\n${lines.join('\n')}\n`;
const LR = 'long-running' as const;

ruleTester(
  rule,
  {
    valid: [
      {
        name: 'the entry is unset before it is settled; another class empties its map in a method',
        profile: LR,
        code: php(
          'class Protocol {',
          '    private $requests = [];',
          '    public function send($id) { $this->requests[$id] = new Deferred(); }',
          '    public function onResponse($id, $r) {',
          '        $d = $this->requests[$id];',
          '        unset($this->requests[$id]);',
          '        $d->resolve($r);',
          '    }',
          '}',
          'class Queue {',
          '    private $jobs = [];',
          '    public function add($k, $j) { $this->jobs[$k] = $j; }',
          '    public function done($k) { $this->jobs[$k]->complete(); }',
          '    public function reset() { $this->jobs = []; }',
          '}',
        ),
      },
      {
        name: 'settled but the map is only ever read (nothing is added by key here)',
        profile: LR,
        code: php('class P {', '    private $m;', '    public function f($k) { $this->m[$k]->resolve(1); }', '}'),
      },
    ],
    invalid: [
      {
        name: 'a deferred read into a local and resolved or rejected; an entry settled in place',
        profile: LR,
        code: php(
          'class Protocol {',
          '    private $requests = [];',
          '    private $timers = [];',
          '    public function send($id) { $this->requests[$id] = new Deferred(); }',
          '    public function onResponse($id, $r) {',
          '        $deferred = $this->requests[$id];',
          '        if ($r->ok) { $deferred->resolve($r); return; }',
          '        $deferred->reject(new \\Exception());',
          '    }',
          '    public function timer($id) { $this->timers[$id] = new Deferred(); }',
          '    public function fire($id) { $this->timers[$id]->resolve(true); }',
          '}',
        ),
        errors: [
          { line: 8, column: 23, severity: 'warning', message: /The entry of `\$this->requests` is settled here \(`resolve\(\)`\) but never removed/ },
          { line: 12, column: 33, message: /`\$this->timers`/ },
        ],
      },
    ],
  },
  { language: 'php', path: '/app/src/Protocol.php' },
);
