# jolt: one plain GNU Makefile. Everything is built under build/. Quiet unless V=1.
CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fvisibility=hidden -MMD -MP
LDLIBS  += -lm -ldl
B       := build
Q       := $(if $(V),,@)

RT_SRC  := $(wildcard runtime/*.c)
RT_OBJ  := $(RT_SRC:%.c=$(B)/%.o)

.DELETE_ON_ERROR:
.PHONY: all clean
all: $(B)/bin/jolt

$(B)/bin/jolt: $(RT_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

clean:
	rm -rf $(B)

-include $(RT_OBJ:.o=.d)
