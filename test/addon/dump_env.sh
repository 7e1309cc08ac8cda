#!/bin/sh
# Stands in for dlms2mqtt in the entry-point test: records the arguments and environment it was
# exec'd with in $ADDON_TEST_OUT.
printf '%s\n' "$@" > "$ADDON_TEST_OUT/args"
env | sort > "$ADDON_TEST_OUT/env"
