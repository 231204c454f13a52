#!/usr/bin/env bash
# Read-layer figures for issue 12, run from a checkout's root.
views=$(ls {practice,clients,sessions,insights}/{api,web}*.py 2>/dev/null | grep -v _urls)
echo "view lines (api*/web* modules, without *_urls): $(cat $views | wc -l)"
echo "selector lines: $(cat */selectors.py | wc -l)"
echo "accessor helpers in views (def *_or_404 / get_object_or_404 calls): $(grep -hcE 'def [a-z_]*_or_404|get_object_or_404\(' $views | paste -sd+ | bc)"
echo "read-audit sites in views (AuditAction.READ / audit_read calls): $(grep -hcE 'AuditAction\.READ|audit_read\(' $views | paste -sd+ | bc)"
echo "Client.objects in views: $(grep -hc 'Client\.objects' $views | paste -sd+ | bc)"
echo "role literals in views (Role.X): $(grep -hcE 'Role\.[A-Z]' $views | paste -sd+ | bc)"
echo "function-local imports (app code, no migrations): $(grep -rnE '^\s{4,}(from \S+ )?import ' --include=*.py practice clients sessions insights | grep -v migrations | wc -l)"
