# Generated from proto/ by packages/python/scripts/generate.sh (pnpm generate). Do not edit.
