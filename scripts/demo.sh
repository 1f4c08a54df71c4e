#!/usr/bin/env bash
# Set up (if needed), create a demo station with sample records, and launch the app on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
DB=${ZONGZHI_DEMO_DB:-demo-data/demo.sqlite3}
mkdir -p "$(dirname "$DB")"
export ZONGZHI_KEYSTORE_PASSPHRASE=${ZONGZHI_KEYSTORE_PASSPHRASE:-demo-passphrase}
if [ ! -f "$DB" ]; then
  # passwords through the environment, never on the command line (README 登录)
  ZONGZHI_ADMIN_PASSWORD=admin123 .venv/bin/zongzhi --db "$DB" init --station-code 110105001001 \
    --station-name 柳树村综治中心 --level village --parent-code 110105001000 --admin-user admin --admin-name 王秀兰
  # demo creates operators: the administrator just created runs it
  ZONGZHI_OPERATOR=admin ZONGZHI_PASSWORD=admin123 .venv/bin/zongzhi --db "$DB" demo
  echo "演示工作站已创建：用户名 admin，密码 admin123"
fi
exec .venv/bin/zongzhi --db "$DB" "$@"
