#!/usr/bin/env bash
# The province deployment of the README ("Several machines"), rehearsed on one machine: the
# same commands, with loopback addresses and ports instead of machines. It starts PostgreSQL,
# Redis, an S3-compatible object store, two app servers and a worker that share no folder (each
# has its own; stored files are in the bucket), and nginx with a self-signed certificate; checks
# readiness through the proxy, that both app servers answer, that a job queued by one is run by
# the worker and its file downloaded from either app server (one streaming it, the other
# redirecting to a signed address that nginx serves from the bucket), and a backup that holds the
# bucket; then stops everything it started.
#
#     make install && deploy/try-local.sh   (needs PostgreSQL's binaries, redis-server, nginx; Debian:
#                                            postgresql, redis-server, nginx-light)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=$(mktemp -d /tmp/lms-deploy.XXXX)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
AS_PG=()
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; AS_PG=(runuser -u postgres --); fi
PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  [ -f "$DIR/nginx.pid" ] && nginx -p "$DIR" -c "$DIR/nginx.conf" -s stop 2>/dev/null
  [ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1
  wait 2>/dev/null
  echo "stopped; files left in $DIR"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "database machine: PostgreSQL, a role and a database for the app"
echo postgres-admin > "$DIR/pg-admin-password"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/pg-admin-password"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$DIR/pg" -U postgres -A scram-sha-256 --pwfile="$DIR/pg-admin-password" \
  -E UTF8 --locale=C.UTF-8 >/dev/null
rm "$DIR/pg-admin-password"
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$DIR/pg" -o "-p 55432 -h 127.0.0.1 -k $DIR -c max_connections=200" \
  -l "$DIR/pg.log" -w start >/dev/null
export PGPASSWORD=postgres-admin
"$PG_BIN/psql" -h 127.0.0.1 -p 55432 -U postgres -qc "CREATE ROLE lms LOGIN PASSWORD 'lms-db-password'"
"$PG_BIN/createdb" -h 127.0.0.1 -p 55432 -U postgres -O lms lms
unset PGPASSWORD

step "queue machine: Redis"
redis-server --port 56379 --bind 127.0.0.1 --daemonize yes --pidfile "$DIR/redis.pid" --dir "$DIR" \
  --logfile "$DIR/redis.log" --save "" --appendonly no
sleep 0.5

step "object storage machine: an S3-compatible server (moto's here; MinIO or Ceph in production)"
.venv/bin/python -m moto.server -H 127.0.0.1 -p 59000 >"$DIR/s3.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:59000/" && break; sleep 0.2; done

step "every app and worker machine: the same settings (secrets generated once, then copied)"
cat > "$DIR/lms.env" <<ENV
LMS_ENV=production
LMS_DATABASE_URL=postgresql+psycopg://lms:lms-db-password@127.0.0.1:55432/lms
LMS_REDIS_URL=redis://127.0.0.1:56379/0
LMS_STORAGE=s3
LMS_S3_BUCKET=lms-files
LMS_S3_ENDPOINT_URL=http://127.0.0.1:59000
LMS_S3_PUBLIC_ENDPOINT_URL=https://127.0.0.1:58443
LMS_S3_ACCESS_KEY_ID=lms-files-key
LMS_S3_SECRET_ACCESS_KEY=lms-files-secret
LMS_S3_CREATE_BUCKET=1
LMS_PROXY_HOPS=1
LMS_PUBLIC_BASE_URL=https://127.0.0.1:58443
LMS_SECRET_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')
LMS_SIGNING_KEY=$(.venv/bin/python -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
LMS_SECRETS_KEY=$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
ENV
set -a; . "$DIR/lms.env"; set +a
export FLASK_APP=wsgi.py
# Each machine its own local folders: nothing is shared but the database, Redis and the bucket.
machine() { mkdir -p "$DIR/$1/uploads"; echo "LMS_INSTANCE_DIR=$DIR/$1 LMS_UPLOAD_DIR=$DIR/$1/uploads"; }
export $(machine admin)

step "once, from any app machine: migrate and create the first school"
.venv/bin/flask db upgrade 2>&1 | tail -1
.venv/bin/flask create-school --code THPT-TL --name "Trường THPT Thử Lửa" --levels THPT \
  --admin-username hieutruong.tl --admin-name "Phạm Văn Hiệu" --admin-email hieutruong@example.edu.vn

step "app machines 1 and 2: gunicorn"
# The second one hands out signed addresses of the bucket instead of streaming files itself.
for port in 58001 58002; do
  signed=$([ "$port" = 58002 ] && echo 1 || echo 0)
  env $(machine "app-$port") LMS_S3_SIGNED_URLS=$signed LMS_BIND=127.0.0.1:$port LMS_WORKERS=2 \
    .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app >"$DIR/app-$port.log" 2>&1 &
  PIDS+=($!)
done

step "worker machine: flask worker"
env $(machine worker) .venv/bin/flask worker >"$DIR/worker.log" 2>&1 &
PIDS+=($!)

step "proxy machine: nginx with deploy/nginx.conf (a self-signed certificate here)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -keyout "$DIR/privkey.pem" -out "$DIR/fullchain.pem" 2>/dev/null
sed -e "s#10.0.0.11:8000#127.0.0.1:58001#; s#10.0.0.12:8000#127.0.0.1:58002#; s#10.0.0.21:9000#127.0.0.1:59000#" \
    -e "s#listen 80;#listen 127.0.0.1:58080;#; s#listen 443 ssl#listen 127.0.0.1:58443 ssl#" \
    -e "s#/etc/ssl/lms/#$DIR/#; s#/var/log/nginx/lms.log#$DIR/nginx-access.log#" \
    deploy/nginx.conf > "$DIR/lms-site.conf"
cat > "$DIR/nginx.conf" <<NGINX
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log;
events {}
http {
    client_body_temp_path $DIR/nginx-body;
    proxy_temp_path $DIR/nginx-proxy;
    include $DIR/lms-site.conf;
}
NGINX
nginx -t -p "$DIR" -c "$DIR/nginx.conf" 2>&1 | tail -1
nginx -p "$DIR" -c "$DIR/nginx.conf"

step "checks through the proxy"
for port in 58001 58002; do
  for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done
curl -sk https://127.0.0.1:58443/readyz; echo
for port in 58001 58002; do
  printf 'app server %s: ' "$port"; curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/readyz"
done
printf 'login page through nginx: '
curl -sk -o /dev/null -w '%{http_code}, %{size_download} bytes\n' https://127.0.0.1:58443/login
printf 'plain HTTP: '; curl -s -o /dev/null -w '%{http_code} → %{redirect_url}\n' http://127.0.0.1:58080/login

step "a job queued by an app machine is run by the worker machine; its file served by both app machines"
.venv/bin/python - <<'PY'
import http.cookiejar
import re
import ssl
import time
import urllib.parse
import urllib.request

from sqlalchemy import select

from lms import create_app
from lms.auth.models import User
from lms.core.jobs import Job, results_folder
from lms.extensions import db
from lms.people.models import School
from lms.reports import official

app = create_app()
with app.app_context():
    school = db.session.scalars(select(School).where(School.code == "THPT-TL")).one()
    admin = db.session.scalars(select(User).where(User.username == "hieutruong.tl")).one()
    admin.password_hash = app.extensions["lms_auth"].hasher.hash("diễn tập triển khai tỉnh 2026")
    job = official.start(db.session, admin, scope="school", owner_id=school.id, year=2026, period_key="2026",
                         fmt="pdf", weights=None, total=2, locale="vi")
    db.session.commit()  # handed to Redis at the commit
    for _ in range(300):
        db.session.expire_all()
        row = db.session.get(Job, job.id)
        if row.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert row.status == "done", row.message
    stored = (results_folder(app.config) / row.result_path).read_bytes()
    print(f"official report job {row.id}: {row.status}; {row.result_name}: {len(stored)} bytes in the bucket")

# Sign in through the proxy, then fetch the file from each app server (both behind nginx).
insecure = ssl.create_default_context()
insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE


def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=insecure),
                                       urllib.request.HTTPCookieProcessor(jar)), jar


base = "https://127.0.0.1:58443"
opener, jar = browser()
page = opener.open(base + "/login").read().decode()
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
form = urllib.parse.urlencode({"identifier": "hieutruong.tl", "password": "diễn tập triển khai tỉnh 2026",
                               "csrf_token": token}).encode()
opener.open(urllib.request.Request(base + "/login", data=form, headers={"Referer": base + "/login"})).read()
cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
for port, how in ((58001, "streamed by the app server"), (58002, "signed address, served by nginx from the bucket")):
    # Straight to one app server (as nginx would), with the proxy's headers.
    request = urllib.request.Request(f"http://127.0.0.1:{port}/jobs/{job.id}/result", headers={
        "Cookie": cookie, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1",
        "Host": "127.0.0.1:58443"})
    no_redirect = urllib.request.build_opener(type("Keep", (urllib.request.HTTPRedirectHandler,), {
        "redirect_request": lambda *a, **k: None}))
    try:
        answer = no_redirect.open(request)
        status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as redirected:
        status, headers, body = redirected.code, redirected.headers, b""
    if status == 302:
        location = headers["Location"]
        assert location.startswith(base + "/lms-files/"), location
        with opener.open(location) as signed:
            headers, body = signed.headers, signed.read()
    assert body == stored, (port, status, len(body))
    assert "filename*=UTF-8''" in headers["Content-Disposition"] and headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    print(f"app server {port}: {len(body)} bytes, {how}; {headers['Content-Disposition'][:60]}…")
PY
grep -o '"message": "Successfully completed[^"]*' "$DIR/worker.log" | head -1
echo "files in the machines' own upload folders: $(find "$DIR"/app-5800? "$DIR"/worker -path '*/uploads/*' -type f | wc -l) (all are in the bucket)"

step "backup from any app machine"
.venv/bin/flask backup "$DIR/backups"
ls -1 "$DIR/backups"
tar -tzf "$DIR"/backups/uploads-*.tar.gz | sed 's/^/  in the archive: /'
echo
echo "deployment rehearsal passed"
