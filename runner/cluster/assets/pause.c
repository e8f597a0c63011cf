/* Minimal pod sandbox ("pause") process, built with gcc -static: it sleeps until
 * signalled and reaps zombies, like registry.k8s.io/pause does. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig) { (void)sig; _exit(0); }
static void on_chld(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction t = {0}, c = {0};
  t.sa_handler = on_term;
  sigaction(SIGINT, &t, NULL);
  sigaction(SIGTERM, &t, NULL);
  c.sa_handler = on_chld;
  c.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &c, NULL);
  for (;;) pause();
  return 0;
}
