#!/usr/bin/env python3
"""Extracts the numbers the Rust oracle tests compare from gc_trace.jsonl into gc_oracle.tsv.

Usage: python3 extract.py gc_trace.jsonl > gc_oracle.tsv
"""
import json
import sys


def main(path):
    out = sys.stdout
    out.write("# Extracted from gc_trace.jsonl (OTP 25.2.3, wordsize 8) by tests/oracle/extract.py; "
              "one record per line, tab-separated key=value.\n")

    def w(kind, **kv):
        out.write(kind + '\t' + '\t'.join(f'{k}={v}' for k, v in kv.items()) + '\n')

    for line in open(path):
        d = json.loads(line)
        s = d['scenario']
        if s == 'a_live_list_after_gc':
            a = d['after_gc']
            w('a', n=d['n'], heap_size=a['heap_size'], recent=a['gci_recent_size'], total=a['total_heap_size'],
              memory=a['memory'], before_heap=d['before_gc']['heap_size'],
              before_old=d['before_gc']['gci_old_heap_block_size'])
        elif s == 'b_hibernate':
            for k in ['pre_hibernate', 'while_hibernated', 'woken_before_receive', 'after_explicit_gc']:
                c = d[k]
                w('b', n=d['n'], step=k, heap_size=c['heap_size'], old=c['gci_old_heap_block_size'],
                  old_used=c['gci_old_heap_size'], total=c['total_heap_size'], stack=c['stack_size'],
                  used=c['gci_heap_size'])
        elif s == 'c_min_heap_size':
            c = d['info']
            w('c', opt=d['min_heap_size_opt'], step=d['step'], heap_size=c['heap_size'], min=c['min_heap_size'],
              minor_gcs=c['minor_gcs'], total=c['total_heap_size'])
        elif s == 'd2_growth_unpolled':
            if d['record'] == 'gc_event':
                a = d['after']
                w('d2gc', no=d['gc_no'], type=('aborted' if d['aborted_minor'] else d['gc_type']),
                  heap=a['heap_block_size'], old=a['old_heap_block_size'], used=a['heap_size'],
                  old_used=a['old_heap_size'])
            elif d['record'] == 'final':
                w('d2final', heap_size=d['heap_size'], old=d['gci_old_heap_block_size'],
                  old_used=d['gci_old_heap_size'], total=d['total_heap_size'], minor_gcs=d['minor_gcs'])
        elif s == 'e_fullsweep_after' and d['record'] == 'gc_event':
            a = d['after']
            w('egc', fsa=d['fullsweep_after_opt'], no=d['gc_no'],
              type=('aborted' if d['aborted_minor'] else d['gc_type']), heap=a['heap_block_size'],
              old=a['old_heap_block_size'], used=a['heap_size'], old_used=a['old_heap_size'])
        elif s == 'e_fullsweep_after_summary':
            w('e', fsa=d['fullsweep_after_opt'], gc_count=d['gc_count'],
              minors=','.join(map(str, d['minor_gcs_poll_sequence'])), types=','.join(d['gc_type_sequence']))
        elif s in ('f_refc_binary_100', 'f_refc_binary_1mb'):
            for name, pr in sorted(d['procs'].items()):
                bins = ';'.join(f"{b['label']}:{b['bytes']}:{b['refc']}" for b in pr.get('binaries', []))
                held = ';'.join(f"{k}:{v['kind']}:{v['byte_size']}:{v['size']}:{v['flat_size']}"
                                for k, v in sorted(pr.get('held', {}).items()))
                w('f', scen=s, step=d['step'], proc=name, alive=str(pr['alive']).lower(), bins=bins or '-',
                  held=held or '-')
        elif s == 'g_send_loses_sharing':
            w('g', term=d['term'], sender=d['sender']['live_words_after_gc'],
              receiver=d['receiver']['live_words_after_gc'], flat=d['sender']['flat_size'])


if __name__ == '__main__':
    main(sys.argv[1])
