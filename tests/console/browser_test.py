#!/usr/bin/python3
"""The console in a real browser: Debian's chromium, headless, driven by
chromium-driver through python3-selenium.

Starts its own redis-server and huitou-scheduler (the console is served by the
scheduler's admin server) on free loopback ports, with the demo's members
imported and the clock fixed at 2027-09-15 08:30 Beijing time (the day is
planned; nothing is due before the 09:00 window, so nothing leaves). Two
accounts are made with the real `huitou user add`: an owner of every store and
a staff member of toyland. Then, as a person would:

  1. the login page; a wrong password is refused; the staff member logs in;
  2. today's list on the demo day (toyland), with a member's planned message;
  3. that member's page; an opt-out for the message's channel at the counter;
  4. today's list again: her message has left it, she is among those skipped;
  5. a babycare member's page: refused (the 404 page) for the staff account;
  6. 回访: the day's care list; a call marked done with a note;
  7. the owner: results and health pages.

Every page is saved as a screenshot at 360 px (a phone) and 1280 px wide
under --out, and checked not to scroll sideways at 360 px. Exit status 0 when
every check held; the first failing check is printed with the page's URL.
"""

import argparse
import faulthandler
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

NOW = "2027-09-15T08:30:00+08:00"
WIDTHS = (360, 1280)


STARTED = time.monotonic()


class Failure(Exception):
    pass


def free_ports(count):
    """`count` different ports free now. Below the ephemeral range, as
    tests/support does: a port the kernel picked could be taken by an outgoing
    connection before the program binds. (One port at a time would find the
    same port twice: nothing holds it between the two calls.)"""
    ports = []
    for candidate in range(20000 + os.getpid() % 5000, 32000, 7):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
        ports.append(candidate)
        if len(ports) == count:
            return ports
    raise Failure(f"fewer than {count} free ports")


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise Failure(f"{url} did not answer within {seconds} s")


class Run:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="huitou-browser-")
        self.procs = []
        self.redis_port, self.admin_port = free_ports(2)
        self.env = dict(os.environ, HUITOU_REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
                        HUITOU_NOW=NOW, HUITOU_LOG_LEVEL="warn")
        self.common = ["--set", f"endpoints.sms=ipc://{self.work}/sms.ipc",
                       "--set", f"endpoints.wechat=ipc://{self.work}/wechat.ipc",
                       "--set", f"endpoints.results=ipc://{self.work}/results.ipc",
                       "--set", f"endpoints.visits=ipc://{self.work}/visits.ipc",
                       "--set", f"admin.listen=127.0.0.1:{self.admin_port}",
                       # The care list (回访) at toyland, four periods a year.
                       "--set", "stores.toyland.care.enabled=true",
                       "--set", "stores.toyland.care.calls_per_year=4"]
        self.base = f"http://127.0.0.1:{self.admin_port}"
        self.shots = []
        self.driver = None

    def program(self, name):
        return os.path.join(self.args.bin, name)

    def huitou(self, *args, stdin=None):
        r = subprocess.run([self.program("huitou"), *self.common, *args], env=self.env,
                           input=stdin, capture_output=True, text=True, timeout=60,
                           cwd=self.args.source)
        if r.returncode != 0:
            raise Failure(f"huitou {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
        return r.stdout

    def redis(self, *args):
        """A command to the test's redis-server (redis-cli, from redis-tools)."""
        subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], check=True,
                       capture_output=True, timeout=10)

    def start(self):
        self.procs.append(subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--dir", self.work, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.redis_port), 0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise Failure("redis-server did not start")
                time.sleep(0.05)
        self.huitou("import", "demo/members.csv")
        self.huitou("import-visits", "demo/visits.csv")
        self.huitou("user", "add", "boss", "--role", "owner", "--all", stdin="boss-password-1\n")
        self.huitou("user", "add", "xiaoli", "--role", "staff", "--store", "toyland",
                    stdin="xiaoli-password-1\n")
        log = open(os.path.join(self.work, "scheduler.log"), "w")
        self.procs.append(subprocess.Popen([self.program("huitou-scheduler"), *self.common],
                                           env=self.env, stdout=log, stderr=log))
        wait_for(self.base + "/healthz")
        # The day is planned at start: wait until the console's day shows jobs.
        deadline = time.time() + 30
        while time.time() < deadline:
            out = self.huitou("jobs", "--store", "toyland", "--json")
            if json.loads(out or "[]"):
                break
            time.sleep(0.2)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--lang=zh-CN", "--window-size=1280,900",
                     f"--user-data-dir={self.work}/chromium"):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)

    def stop(self):
        if self.driver:
            self.driver.quit()
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.work, ignore_errors=True)

    # -- the browser --------------------------------------------------------

    def open(self, path):
        self.driver.get(self.base + path)

    def find(self, css):
        try:
            return self.driver.find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            raise Failure(f"{self.driver.current_url}: no element {css}\n"
                          f"{self.driver.page_source[:3000]}")

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def submit(self, css):
        """Clicks `css` (a submit button or a link) and waits for the next page."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()

        def left(_):
            try:
                page.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException:
                return False  # asked in the middle of the navigation: ask again

        def loaded(driver):
            try:
                return driver.execute_script("return document.readyState") == "complete"
            except WebDriverException:
                return False

        WebDriverWait(self.driver, 20).until(left)
        WebDriverWait(self.driver, 20).until(loaded)

    def path(self):
        return urllib.parse.urlparse(self.driver.current_url).path

    def check(self, condition, what):
        if not condition:
            raise Failure(f"{self.driver.current_url}: {what}")

    def shoot(self, name):
        """Screenshots of the current page at each width; at 360 px the page
        must not scroll sideways (a table may scroll inside its own box)."""
        for width in WIDTHS:
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 900 if width > 360 else 780,
                "deviceScaleFactor": 1, "mobile": width == 360})
            time.sleep(0.2)
            height = self.driver.execute_script(
                "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": min(max(height, 600), 4000),
                "deviceScaleFactor": 1, "mobile": width == 360})
            time.sleep(0.1)
            path = os.path.join(self.args.out, f"{name}-{width}.png")
            self.driver.save_screenshot(path)
            self.shots.append(path)
            print(f"{time.monotonic() - STARTED:6.1f} s  {name}-{width}.png", flush=True)
            if width == 360:
                scroll = self.driver.execute_script(
                    "return document.documentElement.scrollWidth")
                self.check(scroll <= 360, f"{name}: the page is {scroll} px wide at 360 px")
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def login(self, user, password):
        self.open("/login")
        self.find("#username").clear()
        self.find("#username").send_keys(user)
        self.find("#password").send_keys(password)
        self.submit("#login-submit")

    def logout(self):
        self.driver.delete_all_cookies()


def scenario(run):
    # 1. Login: refused with a wrong password, then the staff member.
    run.open("/stores/toyland/today")
    run.check("/login" in run.driver.current_url, "an anonymous visit is not sent to /login")
    run.shoot("login")
    run.login("xiaoli", "wrong-password")
    run.check("/login" in run.driver.current_url, "a wrong password was let in")
    run.check("不正确" in run.driver.page_source, "no message for a wrong password")
    run.login("xiaoli", "xiaoli-password-1")
    run.check(run.path() == "/stores/toyland/today", f"after login: {run.driver.current_url}")

    # 2. Today's list on the demo day.
    messages = run.all("#messages li.message")
    run.check(len(messages) > 0, "today's list is empty on the demo day")
    run.find("#skipped")
    run.shoot("today")
    # A member with one planned message by SMS: the one she opts out of.
    target = None
    for li in messages:
        member = li.get_attribute("data-member")
        if len(run.all(f'#messages li.message[data-member="{member}"]')) == 1 and \
                "短信" in li.text:
            target = member
            break
    run.check(target, "no member with one planned SMS today")

    # 3. Her page; the opt-out at the counter.
    run.submit(f'#messages li.message[data-member="{target}"] a[href$="/members/{target}"]')
    run.check(run.path() == f"/stores/toyland/members/{target}",
              f"the member link led to {run.driver.current_url}")
    run.shoot("member")
    run.submit('form.consent[data-channel="sms"] button.optout')
    run.check(run.path() == f"/stores/toyland/members/{target}",
              f"after the opt-out: {run.driver.current_url}")
    run.find("#notice")
    run.shoot("member-after-optout")
    # While a reshard copies the store (its fence, set here by hand:
    # io/lua_script.h), a write at the counter is refused and the page says why.
    run.redis("SET", "hu:{toyland}:frozen", "copy")
    run.submit('form.consent[data-channel="sms"] button.optin')
    run.check("正在迁移" in run.find("main").text,
              f"a refused write does not say the store is being moved: {run.find('main').text}")
    run.shoot("resharding")
    run.redis("DEL", "hu:{toyland}:frozen")

    # 4. Today's list again: her message has left it.
    run.open("/stores/toyland/today")
    run.check(not run.all(f'#messages li.message[data-member="{target}"]'),
              f"{target}'s message is still on today's list after her opt-out")
    run.check(run.all(f'#skipped li.skip[data-member="{target}"]'),
              f"{target} is not among the skipped after her opt-out")
    run.shoot("today-after-optout")

    # The search, at the counter.
    run.open("/stores/toyland/members")
    run.find("#q").send_keys("王芳")
    run.submit("#search-submit")
    run.check(run.all("#results li a"), "searching 王芳 found nobody")
    run.shoot("search")

    # 5. Another store's member: the 404 page for a staff account of toyland.
    run.open("/stores/babycare/members/B0001")
    run.check("没有这个页面" in run.driver.page_source,
              "a toyland staff account saw a babycare member's page")
    run.check("B0001" not in run.find("main").text, "the refusal names the member")
    run.shoot("refused")

    # 6. 回访: the care list. On the demo day the members of the care
    # segments are greeted for 中秋, and nobody is called on a message's
    # day: today's list is empty. The day before's, built now (as the
    # scheduler would have built it that night), has them; a call marked
    # done with a note.
    run.open("/stores/toyland/care")
    run.check(run.all("#empty") or run.all("#care-list li.care"), "no care list today")
    run.shoot("care-today")
    run.huitou("care", "--store", "toyland", "--date", "2027-09-14", "--build")
    run.open("/stores/toyland/care?day=2027-09-14")
    calls = run.all("#care-list li.care")
    run.check(len(calls) > 0, "the care list is empty on the demo day")
    # 王芳 (T0001) works 09:00-18:00 (demo/members.csv): on a Tuesday she is
    # to be called in the evening only.
    own = run.all('#care-list li.care[data-member="T0001"] .own-hours')
    run.check(own and "19:00–20:30" in own[0].text and "09:00–18:00" in own[0].text,
              "王芳's row does not say to call her 19:00–20:30, after her working hours")
    run.shoot("care")
    member = calls[0].get_attribute("data-member")
    entry = f'#care-list li.care[data-member="{member}"]'
    name = run.find(f"{entry} .line a").text
    run.find(f"{entry} input[name=note]").send_keys("聊了十分钟，周末带孩子来")
    run.submit(f"{entry} button.done")
    run.check(f"已记下：{name} 已联系" in run.find("#notice").text,
              f"the notice does not name {name}: {run.find('#notice').text}")
    done = run.find(entry)
    run.check(done.get_attribute("data-state") == "done", f"{member} is not marked done")
    run.check("聊了十分钟，周末带孩子来" in done.text, "the note is not shown")
    run.check(not run.all(f"{entry} form.care-form"), "a done call can still be marked")
    run.shoot("care-marked")

    # 7. The owner: results and health.
    run.logout()
    run.login("boss", "boss-password-1")
    run.open("/stores/toyland/results")
    run.find("#chart-daily")
    run.shoot("results")
    run.open("/health")
    run.find("#health-jobs")
    run.shoot("health")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="folder of the huitou programs")
    parser.add_argument("--source", required=True, help="the source tree (demo/)")
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    args = parser.parse_args()
    args.bin, args.source, args.out = (os.path.abspath(p) for p in (args.bin, args.source, args.out))
    os.makedirs(args.out, exist_ok=True)
    # ctest stops the test at 600 s without a word: say where it stands first.
    faulthandler.dump_traceback_later(540, exit=False)
    run = Run(args)
    try:
        run.start()
        print(f"{time.monotonic() - STARTED:6.1f} s  started (redis, import, scheduler, chromium)",
              flush=True)
        scenario(run)
    except Failure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        if run.driver:
            path = os.path.join(args.out, "failure.png")
            run.driver.save_screenshot(path)
            print(f"screenshot of the failure: {path}", file=sys.stderr)
        log = os.path.join(run.work, "scheduler.log")
        if os.path.exists(log):
            print("scheduler log:\n" + open(log).read()[-4000:], file=sys.stderr)
        return 1
    finally:
        run.stop()
    print(f"every check held; {len(run.shots)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
