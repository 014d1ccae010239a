"""The chat widget in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
selenium) opens the demo page of a signed visitor; a message dropped into the spool appears as a bubble (the
time it took is printed, not judged), the page acks it and the log says delivered; a reply typed into the widget
reaches the status-callback receiver as a `reply` event; over Server-Sent Events and over the WebSocket. The page
is saved as artifacts/livechat-widget-TRANSPORT.png."""
import json
import os
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from chat_harness import chat_channel
from herald_harness import drop, free_port, wait_for

ARTIFACTS = Path(os.environ.get("HERALD_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,700"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@pytest.mark.parametrize("transport", ["sse", "websocket"])
def test_the_widget_shows_acks_and_replies_in_headless_chromium(make_daemon, make_receiver, transport):
    callbacks = make_receiver({"default": 200})
    port = free_port()
    daemon = make_daemon([chat_channel(demo=True)], http={"listen": f"127.0.0.1:{port}"}, recipients="masked",
                         callbacks={"url": callbacks.url + "/events", "batch": 1}).start()
    driver = browser()
    try:
        driver.set_page_load_timeout(30)
        driver.get(f"http://127.0.0.1:{port}/chat/v1/demo?visitor=v-browser&transport={transport}")
        assert driver.find_element(By.ID, "visitor").text == "v-browser"
        # Whether the stream is open yet or not: a message for a visitor without one waits, parked, for it.
        wait_for(lambda: driver.execute_script("return document.getElementById('herald-chat') !== null"), 30,
                 "the widget loaded")
        started = time.monotonic()
        drop(daemon.spool, "in-browser", {
            "id": "in-browser", "channel": "chat", "to": {"visitor": "v-browser"}, "category": "marketing",
            "content": {"title": "Back in stock", "body": "Your size M is back. Shall I hold it for you?",
                        "url": "https://shop.example/p/42"}})
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".herald-chat-message"), 30, "the bubble shown")
        print(f"spool drop -> bubble on the page: {1000 * (time.monotonic() - started):.0f} ms")
        bubble = driver.find_element(By.CSS_SELECTOR, ".herald-chat-message")
        assert bubble.find_element(By.CSS_SELECTOR, ".herald-chat-title").text == "Back in stock"
        assert "size M" in bubble.find_element(By.CSS_SELECTOR, ".herald-chat-body").text
        assert bubble.find_element(By.CSS_SELECTOR, ".herald-chat-link").get_attribute("href") == "https://shop.example/p/42"
        wait_for(lambda: daemon.events("delivered", "in-browser"), 30, "delivered after the page's ack")

        bubble.find_element(By.CSS_SELECTOR, ".herald-chat-input").send_keys("Yes, please hold it")
        bubble.find_element(By.CSS_SELECTOR, ".herald-chat-send").click()

        def replies():
            return [e for r in callbacks.requests() for e in json.loads(r["body"])["data"]["events"]
                    if e["event"] == "reply"]

        wait_for(replies, 30, "the reply reached the callbacks")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".herald-chat-sent"), 10, "the reply shown")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"livechat-widget-{transport}.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 1000
        print(f"screenshot: {shot}")
    finally:
        driver.quit()
    assert daemon.stop() == 0
    [reply] = replies()
    assert reply["text"] == "Yes, please hold it" and reply["conversation"] == "in-browser"
    assert len(daemon.events("delivered", "in-browser")) == 1
